using System;
using System.IO;
using System.Text;
using static NetCompiler.Tests.Infrastructure.RefLayer;

namespace NetCompiler.Tests.Infrastructure;

/// <summary>
/// One SGD training step of a small network with batch normalisation, computed by PyTorch:
/// <c>Tests/Fixtures/batchnorm/step_fixture.bin</c>, written by <c>Tests/Fixtures/batchnorm/make_step_fixture.py</c>
/// (which documents the layout and the network). Values were drawn in float32 and the step computed in float64.
/// </summary>
public sealed class BatchNormStepFixture
{
    /// <summary>The fixture's network in the reference implementation (its NetCompiler declaration is in the script's
    /// docstring).</summary>
    public static ReferenceNetwork Reference { get; } = new([1, 8, 8],
        [Conv2D(4, 3), BatchNorm(Activation.ReLU), MaxPool(2), Dense(10), BatchNorm(Activation.ReLU), Dropout(0), Dense(3)],
        NetCompiler.Loss.SoftmaxCrossEntropy);

    public int Batch { get; private init; }
    public int[] InputShape { get; private init; } = [];
    public int Classes { get; private init; }
    public double LearningRate { get; private init; }
    public double Momentum { get; private init; }
    public double Epsilon { get; private init; }
    public double DropoutP { get; private init; }

    /// <summary>Parameters before the step, in state_dict order.</summary>
    public double[] Parameters { get; private init; } = [];

    /// <summary>Running statistics before the step: per BatchNorm layer, running mean then running variance.</summary>
    public double[] State { get; private init; } = [];

    /// <summary>The batch, row-major (Batch × C·H·W).</summary>
    public double[] Inputs { get; private init; } = [];
    public int[] Labels { get; private init; } = [];

    /// <summary>Mean cross-entropy of the batch in training mode, before the step.</summary>
    public double Loss { get; private init; }

    /// <summary>Logits in training mode before the step (Batch × Classes).</summary>
    public double[] Logits { get; private init; } = [];
    public double[] Gradients { get; private init; } = [];
    public double[] ParametersAfter { get; private init; } = [];
    public double[] StateAfter { get; private init; } = [];

    /// <summary>Logits in inference mode (running statistics) after the step.</summary>
    public double[] InferenceLogitsAfter { get; private init; } = [];

    public static BatchNormStepFixture Load()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "batchnorm", "step_fixture.bin");
        using var reader = new BinaryReader(File.OpenRead(path));
        if (Encoding.ASCII.GetString(reader.ReadBytes(4)) != "NCBN") throw new InvalidDataException($"{path}: not a batch-norm step fixture");
        int version = reader.ReadInt32();
        if (version != 1) throw new InvalidDataException($"{path}: version {version}, expected 1");
        int n = reader.ReadInt32(), c = reader.ReadInt32(), h = reader.ReadInt32(), w = reader.ReadInt32(), k = reader.ReadInt32();
        int p = reader.ReadInt32(), s = reader.ReadInt32();
        double Read() => reader.ReadDouble();
        double[] ReadArray(int count)
        {
            var a = new double[count];
            for (int i = 0; i < count; i++) a[i] = reader.ReadDouble();
            return a;
        }
        var fixture = new BatchNormStepFixture
        {
            Batch = n, InputShape = [c, h, w], Classes = k,
            LearningRate = Read(), Momentum = Read(), Epsilon = Read(), DropoutP = Read(),
            Parameters = ReadArray(p),
            State = ReadArray(s),
            Inputs = ReadArray(n * c * h * w),
            Labels = ReadLabels(reader, n),
            Loss = Read(),
            Logits = ReadArray(n * k),
            Gradients = ReadArray(p),
            ParametersAfter = ReadArray(p),
            StateAfter = ReadArray(s),
            InferenceLogitsAfter = ReadArray(n * k),
        };
        if (reader.BaseStream.Position != reader.BaseStream.Length) throw new InvalidDataException($"{path}: trailing bytes");
        return fixture;
    }

    private static int[] ReadLabels(BinaryReader reader, int n)
    {
        var labels = new int[n];
        for (int i = 0; i < n; i++) labels[i] = reader.ReadInt32();
        return labels;
    }
}
