using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using NetCompiler.Generator;
using NetCompiler.Generator.Emit.Layers;
using NetCompiler.Generator.Model;
using NetCompiler.Generator.Planning;
using NetCompiler.Tests.Infrastructure;
using Xunit;

namespace NetCompiler.Tests.Generator;

/// <summary>
/// The decisions of <see cref="NetworkPlanner"/>, asserted on the plan itself rather than on generated text. The
/// expected sizes and offsets are those of the generated code of <see cref="ModelSources"/>' networks, where each is a
/// constant or an offset in a <c>ref float … = ref Unsafe.Add(ref ws, …)</c> line.
/// </summary>
public class PlanTests
{
    /// <summary>The model the generator's parse step makes of <paramref name="source"/> (its tracked output).</summary>
    private static NetworkSpec Spec(string source)
    {
        var run = GeneratorHarness.Run(source);
        Assert.Empty(run.GeneratorDiagnostics);
        return (NetworkSpec)run.RunResult.Results.Single().TrackedSteps[NetworkGenerator.Steps.Models]
            .SelectMany(step => step.Outputs).Single().Value;
    }

    private static NetworkPlan Plan(string source) => NetworkPlanner.Plan(Spec(source));

    [Fact]
    public void Fashion_mlp_takes_the_lane_path_in_PredictBatch_and_is_split_for_training()
    {
        var plan = Plan(ModelSources.FashionMlp);

        Assert.False(plan.Fused);
        var lanes = Assert.IsType<LanePlan>(plan.Lanes);
        Assert.False(lanes.InTraining); // a network trained by parts keeps the dot products, for the same bits
        Assert.Equal(50176, lanes.BufferB);
        Assert.Equal(58368, lanes.StagingOffset);
        Assert.Empty(lanes.RowWidths);

        var split = Assert.IsType<SplitPlan>(plan.Split);
        Assert.Equal(0, split.Layer);
        Assert.Equal(8, split.MaxParts);
        Assert.Equal(8192, split.SharedWorkspaceSize);
        Assert.Equal(new[] { 8192 }, split.Outputs);
        Assert.Equal((8832, 17024), (split.DeltaA, split.DeltaB));

        var first = Assert.IsType<DensePlan>(plan.Layers[0]);
        Assert.True(first.RowRange);
        Assert.True(first.Lanes);
        Assert.True(first.AlignedInput);
        Assert.True(plan.Predict.AlignsInput);
        Assert.Equal((true, false, false), (first.Rows.Avx512.SingleRows, first.Rows.Avx2.SingleRows, first.Rows.Portable.SingleRows));
        Assert.False(Assert.IsType<DensePlan>(plan.Layers[1]).RowRange);
    }

    [Fact]
    public void Fashion_mlp_workspaces_are_those_of_the_generated_code()
    {
        var plan = Plan(ModelSources.FashionMlp);

        Assert.Equal(new WorkspacePlan(128, WorkspacePlace.Stack), plan.Predict.Workspace);
        Assert.Equal(new WorkspacePlan(70912, WorkspacePlace.ThreadBuffer), plan.PredictBatch.Workspace);
        Assert.Equal(new WorkspacePlan(25216, WorkspacePlace.ThreadBuffer), plan.Training.Workspace);
        Assert.Equal(new[] { 0, 8192 }, plan.Training.Outputs);
        Assert.Equal(8832, plan.Training.DeltaA);
        Assert.Equal(17024, plan.Training.DeltaB);
        Assert.Null(plan.Training.ScratchOffset);
        Assert.Null(plan.Training.LanesOffset);
        Assert.Equal(0, plan.AlignmentAnchor);
    }

    [Fact]
    public void LeNet5_convolutions_take_Winograd_and_blocks_as_the_generated_code_does()
    {
        var plan = Plan(ModelSources.LeNet5);

        var conv1 = Assert.IsType<Conv2DPlan>(plan.Layers[0]);
        var conv2 = Assert.IsType<Conv2DPlan>(plan.Layers[2]);
        // Conv1 has one input channel: 5 products per output along channels × kernel rows, too few for F(2, 5).
        Assert.False(conv1.Winograd);
        Assert.True(conv2.Winograd);
        Assert.True(conv2.SampleWinograd);
        // Conv2's 10-wide rows do not fill vectors: Predict puts its 16 filters in the lanes on AVX-512 and AVX2.
        Assert.Equal(new PerIsa<int?>(10, 5, null), conv2.LanesTile);
        Assert.Equal(ConvSampleForm.FiltersInLanes, conv2.SampleForm.Avx512);
        Assert.Equal(ConvSampleForm.Tiled, conv2.SampleForm.Portable); // 10-wide rows fill 128-bit vectors: tiles of them
        Assert.Equal(2400, conv2.LanesStagingOffset);
        Assert.Equal(new PerIsa<ConvSampleForm>(ConvSampleForm.Tiled, ConvSampleForm.Tiled, ConvSampleForm.Tiled), conv1.SampleForm);

        // The four convolution and pooling layers run block by block, their outputs in blocks up to layer 4.
        Assert.Equal(4, plan.PredictBatch.BlockedLayers);
        Assert.Equal((false, true), (conv1.BlockedInput, conv1.BlockedOutput));
        var pool2 = Assert.IsType<Pool2DPlan>(plan.Layers[3]);
        Assert.Equal((true, false), (pool2.BlockedInput, pool2.BlockedOutput));
        Assert.Equal(PoolSampleForm.Pairs, pool2.SampleForm);

        Assert.True(plan.BlockHelpers);
        Assert.Null(plan.Lanes);
        Assert.Null(plan.Split);
        Assert.False(plan.Predict.AlignsInput);
        Assert.Equal(4, plan.AlignmentAnchor);
    }

    [Fact]
    public void LeNet5_workspaces_and_offsets_are_those_of_the_generated_code()
    {
        var plan = Plan(ModelSources.LeNet5);

        Assert.Equal(new WorkspacePlan(20512, WorkspacePlace.ThreadBuffer), plan.Predict.Workspace);
        Assert.Equal(new[] { 0, 4704, 5888, 7488, 7888, 8016 }, plan.Predict.Outputs);
        Assert.Equal(8112, plan.Predict.ScratchOffset);
        Assert.True(plan.Predict.Scratch);

        Assert.Equal(612672, plan.PredictBatch.Workspace.Size);
        Assert.Equal(new[] { 0, 301056, 376320, 478720, 504320, 512000 }, plan.PredictBatch.Outputs);
        Assert.Equal(517376, plan.PredictBatch.ScratchOffset);

        Assert.Equal(1410944, plan.Training.Workspace.Size);
        Assert.Equal(new[] { 0, 301056, 376320, 478720, 504320, 512000, 517376 }, plan.Training.Outputs);
        Assert.Equal((518016, 819072, 1120128), (plan.Training.DeltaA, plan.Training.DeltaB, plan.Training.ScratchOffset));
    }

    [Fact]
    public void Tiny_network_is_fused_and_needs_no_Predict_workspace()
    {
        var plan = Plan(ModelSources.Tiny);

        Assert.True(plan.Fused);
        Assert.False(plan.FusedAvx);
        Assert.All(plan.Layers, l => Assert.True(Assert.IsType<DensePlan>(l).Unrolled));
        Assert.Null(plan.Lanes); // too small for the transpositions to pay
        Assert.Null(plan.Split); // an unrolled first layer is not split
        Assert.Equal(new WorkspacePlan(0, WorkspacePlace.None), plan.Predict.Workspace);
        Assert.Equal(new WorkspacePlan(128, WorkspacePlace.Stack), plan.PredictBatch.Workspace);
        Assert.Equal(new WorkspacePlan(448, WorkspacePlace.Stack), plan.Training.Workspace);
        Assert.Equal((192, 320), (plan.Training.DeltaA, plan.Training.DeltaB));
    }

    [Fact]
    public void Deep_regression_trains_on_the_lanes_and_is_not_split()
    {
        var plan = Plan(ModelSources.DeepRegression);

        // Layer 1 holds 520 of 1,723 weights: less than three quarters, so training is not split...
        Assert.Null(plan.Split);
        // ...and its forward pass takes the lane path, each hidden width transposed back to rows.
        var lanes = Assert.IsType<LanePlan>(plan.Lanes);
        Assert.True(lanes.InTraining);
        Assert.Equal(new[] { 40, 24, 9 }, lanes.RowWidths);
        Assert.Equal((1536, 4096), (lanes.BufferB, lanes.StagingOffset));
        Assert.Equal(9984, plan.Training.LanesOffset);
        Assert.Equal((96, 4672, 14288), (plan.Predict.Workspace.Size, plan.PredictBatch.Workspace.Size, plan.Training.Workspace.Size));
        Assert.Equal(new[] { 0, 48, 80 }, plan.Predict.Outputs);
        Assert.Equal(new[] { 0, 2560, 4096, 4672 }, plan.Training.Outputs);
        Assert.Equal((4864, 7424), (plan.Training.DeltaA, plan.Training.DeltaB));
        Assert.Equal(1, plan.AlignmentAnchor);
        // Layer 1's 13 inputs fill no AVX-512 vector: its rows take AVX2's 8-float vectors there too.
        var rows = Assert.IsType<DensePlan>(plan.Layers[0]).Rows;
        Assert.Equal((IsaPath.Avx2, IsaPath.Avx2, IsaPath.Portable), (rows.Avx512.Vectors, rows.Avx2.Vectors, rows.Portable.Vectors));
    }

    [Fact]
    public void LeNet5_120_wide_rows_take_AVX2_vectors_on_an_AVX512_machine()
    {
        var plan = Plan(ModelSources.LeNet5);

        // Layer 6 (120 → 84): 8-float vectors cover its 120-float rows exactly, 16-float ones would leave a tail of 8.
        var dense = Assert.IsType<DensePlan>(plan.Layers[5]);
        Assert.Equal(IsaPath.Avx2, dense.Rows.Avx512.Vectors);
        Assert.Equal(dense.Rows.Avx2, dense.Rows.Avx512); // one branch of code for both paths
    }

    [Fact]
    public void Plans_of_equal_specs_are_equal_and_a_changed_layer_changes_the_plan()
    {
        var a = Plan(ModelSources.LeNet5);
        var b = Plan(ModelSources.LeNet5);
        Assert.NotSame(a.Spec, b.Spec);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());

        var changed = Plan(ModelSources.LeNet5.Replace("[Conv2D(16, 5, Activation.ReLU)]", "[Conv2D(16, 3, Activation.ReLU)]"));
        Assert.NotEqual(a, changed);
        Assert.Equal(a.Layers[0], changed.Layers[0]);
        Assert.NotEqual(a.Layers[2], changed.Layers[2]);
        Assert.False(Assert.IsType<Conv2DPlan>(changed.Layers[2]).Winograd); // F(2, 5) needs 5-wide kernels

        var narrower = Plan(ModelSources.FashionMlp.Replace("[Dense(128, Activation.ReLU)]", "[Dense(16, Activation.ReLU)]"));
        Assert.NotEqual(Plan(ModelSources.FashionMlp), narrower);
        Assert.Null(narrower.Split); // 16 rows: not wide enough for two parts of 16
    }

    [Fact]
    public void Every_layer_kind_has_a_unit()
    {
        foreach (string source in new[] { ModelSources.LeNet5, ModelSources.FashionMlp })
            foreach (var layer in Spec(source).Layers)
                Assert.True(LayerUnits.For(layer).Handles(layer));
    }

    [Fact]
    public void Plan_step_is_cached_until_the_network_changes()
    {
        const string neighbour = "\npublic class Neighbour { public int Value => 1; }";
        string source = ModelSources.FashionMlp + neighbour;
        var first = GeneratorHarness.Run(GeneratorHarness.CreateCompilation(new[] { source }));
        IncrementalStepRunReason[] PlanReasons(string edited)
        {
            var old = first.InputCompilation.SyntaxTrees.Single();
            var compilation = first.InputCompilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(edited, GeneratorHarness.ParseOptions, old.FilePath));
            var run = GeneratorHarness.Run(compilation, first.Driver);
            return run.RunResult.Results.Single().TrackedSteps[NetworkGenerator.Steps.Plans]
                .SelectMany(step => step.Outputs).Select(o => o.Reason).ToArray();
        }

        // An edit outside the declaration gives an equal model, so the planner does not run again.
        Assert.All(PlanReasons(source.Replace("=> 1", "=> 2")), r => Assert.Equal(IncrementalStepRunReason.Cached, r));
        // A layer changed is a new plan.
        Assert.Contains(IncrementalStepRunReason.Modified, PlanReasons(source.Replace("[Dense(10)]", "[Dense(12)]")));
    }

    [Fact]
    public void Strided_convolution_and_average_pooling_take_their_scalar_forms()
    {
        var plan = Plan("""
            using NetCompiler;
            [Network]
            [Input(2, 9, 9)]
            [Conv2D(4, 3, Stride = 2)]
            [AvgPool2D(3, Stride = 1)]
            [Dense(3)]
            public partial class Strided { }
            """);

        var conv = Assert.IsType<Conv2DPlan>(plan.Layers[0]);
        Assert.Equal(new PerIsa<ConvSampleForm>(ConvSampleForm.Scalar, ConvSampleForm.Scalar, ConvSampleForm.Scalar), conv.SampleForm);
        Assert.Equal(new PerIsa<int?>(null, null, null), conv.LanesTile);
        Assert.False(conv.Winograd);
        var pool = Assert.IsType<Pool2DPlan>(plan.Layers[1]);
        Assert.Equal(PoolSampleForm.Windows, pool.SampleForm);
        Assert.True(pool.WindowUnrolled);
        Assert.Equal(2, plan.PredictBatch.BlockedLayers);
        Assert.Null(plan.Lanes); // not every layer is dense
    }

    [Fact]
    public void BatchNorm_and_dropout_take_the_whole_batch_step_and_follow_the_blocks_above()
    {
        var plan = Plan("""
            using NetCompiler;
            [Network(Loss = Loss.SoftmaxCrossEntropy)]
            [Input(1, 8, 8)]
            [Conv2D(4, 3)]
            [BatchNorm(Activation.ReLU)]
            [MaxPool2D(2)]
            [Dense(10)]
            [Dropout(0.5f)]
            [Dense(3)]
            public partial class Normalised { }
            """);

        Assert.True(plan.Training.WholeBatch);
        Assert.Equal(0, plan.Training.Workspace.Size); // sized per batch at run time
        var batchNorm = Assert.IsType<NetCompiler.Generator.Emit.Layers.BatchNorm.BatchNormPlan>(plan.Layers[1]);
        Assert.True(batchNorm.BlockedOutput); // the pooling layer above runs on blocks
        Assert.True(batchNorm.BlockedInput); // over channels it runs on blocks itself…
        Assert.True(Assert.IsType<Conv2DPlan>(plan.Layers[0]).BlockedOutput); // …so the convolution below keeps its blocks
        Assert.Equal(3, plan.PredictBatch.BlockedLayers); // convolution, batch normalisation and pooling, block by block
        var dropout = Assert.IsType<NetCompiler.Generator.Emit.Layers.Dropout.DropoutPlan>(plan.Layers[4]);
        Assert.False(dropout.BlockedOutput);
        Assert.Equal(ActivationKind.Identity, dropout.Below);
        Assert.Null(plan.Split);
        Assert.Null(plan.Lanes);

        Assert.False(Plan(ModelSources.LeNet5).Training.WholeBatch);
    }
}
