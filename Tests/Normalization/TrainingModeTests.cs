using System;
using System.IO;
using System.Linq;
using System.Threading.Tasks;
using Xunit;
using Xunit.Abstractions;

namespace NetCompiler.Tests.Normalization;

/// <summary>
/// Batch normalisation and dropout beyond the PyTorch comparison (<see cref="BatchNormTorchTests"/>): gradients against
/// central differences (dropout's mask fixed by the step), dropout's mask and inference, thread safety, running
/// statistics through the trainer, model files with state.
/// </summary>
public class TrainingModeTests(ITestOutputHelper output)
{
    private static float[] Random(int n, int seed, float scale = 1f)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, n).Select(_ => (float)(rng.NextDouble() * 2 - 1) * scale).ToArray();
    }

    private static (float[] Targets, int[] Labels) Supervision(INetwork net, int outputs, int batch, bool classifier, int seed)
        => classifier
            ? ([], Enumerable.Range(0, batch).Select(i => (i * 7 + seed) % outputs).ToArray())
            : (Random(batch * outputs, seed + 1), []);

    private static float Loss(ITrainingModeNetwork net, float[] x, float[] t, int[] l, TrainingStep step)
        => net.ComputeGradients(x, t, l, new float[net.Parameters.Length], step, 0, default);

    /// <summary>
    /// Every gradient entry against (E(θ + h) − E(θ − h)) / 2h on the float network, h = 1e-3 · max(1, |θ|) (small: batch normalisation centres the values that a ReLU or max pool above it splits at 0): the
    /// differences carry the float loss's rounding (~1e-7 / h = 1e-4), so the bound is 2e-3 + 2e-2 · |g| — a wrong term of the
    /// backward pass is off by the size of the gradient itself.
    /// </summary>
    private void CheckGradients(ITrainingModeNetwork net, int inputSize, int outputs, bool classifier, int batch)
    {
        var x = Random(batch * inputSize, 11);
        var (t, l) = Supervision(net, outputs, batch, classifier, 5);
        var step = new TrainingStep(42, 7);
        var g = new float[net.Parameters.Length];
        net.ComputeGradients(x, t, l, g, step, 0, default);
        double worst = 0;
        Span<float> p = net.Parameters;
        for (int i = 0; i < p.Length; i++)
        {
            float keep = p[i];
            float h = 1e-3f * Math.Max(1f, Math.Abs(keep));
            p[i] = keep + h;
            double plus = Loss(net, x, t, l, step);
            p[i] = keep - h;
            double minus = Loss(net, x, t, l, step);
            p[i] = keep;
            double numeric = (plus - minus) / (2 * h);
            double error = Math.Abs(numeric - g[i]);
            worst = Math.Max(worst, error / (2e-3 + 2e-2 * Math.Abs(g[i])));
            Assert.True(error <= 2e-3 + 2e-2 * Math.Abs(g[i]), $"parameter {i}: gradient {g[i]}, central difference {numeric}");
        }
        output.WriteLine($"{p.Length} parameters, worst error / bound {worst:F3}");
    }

    [Fact] public void BnDense_gradients_match_central_differences() => CheckGradients(new BnDense(3), 6, 3, true, 9);
    [Fact] public void BnConvPool_gradients_match_central_differences() => CheckGradients(new BnConvPool(3), 2 * 6 * 7, 3, true, 13);
    [Fact] public void BnBeforeConv_gradients_match_central_differences() => CheckGradients(new BnBeforeConv(3), 9 * 8, 3, false, 17);
    [Fact] public void BnDropoutConv_gradients_match_central_differences() => CheckGradients(new BnDropoutConv(3), 36, 3, true, 21);
    [Fact] public void DropoutDense_gradients_match_central_differences() => CheckGradients(new DropoutDense(3), 5, 2, false, 10);
    [Fact] public void DropoutConv_gradients_match_central_differences() => CheckGradients(new DropoutConv(3), 72, 2, true, 18);

    [Fact]
    public void Dropout_drops_at_its_rate_and_scales_the_rest()
    {
        var net = new DropoutWide(1);
        var x = Random(4000, 3).Select(v => v + 2f).ToArray();   // no zero input
        var g = new float[DropoutWide.ParameterCount];
        int dropped = 0;
        const int steps = 3;
        for (int step = 0; step < steps; step++)
        {
            net.ComputeGradients(x, [0f], [], g, new TrainingStep(9, step), 0, default);
            float bias = g[4000];   // ∂E/∂b = y − t
            for (int i = 0; i < 4000; i++)
            {
                if (g[i] == 0f) { dropped++; continue; }
                // ∂E/∂w_i = (y − t) · x_i / (1 − p) for a kept unit
                Assert.Equal(bias * x[i] / 0.7f, g[i], 1e-4f * Math.Abs(bias * x[i]));
            }
        }
        double rate = dropped / (4000.0 * steps);
        output.WriteLine($"dropped {rate:P2} of {4000 * steps} units at rate 30 %");
        Assert.InRange(rate, 0.3 - 0.025, 0.3 + 0.025);   // ±6σ of 12,000 draws
    }

    [Fact]
    public void Dropout_mask_is_a_function_of_seed_step_and_sample()
    {
        var net = new DropoutDense(2);
        var x = Random(8 * 5, 1);
        var t = Random(8 * 2, 2);
        float[] G(TrainingStep step, int first = 0, int from = 0, int n = 8)
        {
            var g = new float[DropoutDense.ParameterCount];
            net.ComputeGradients(x.AsSpan(from * 5, n * 5), t.AsSpan(from * 2, n * 2), [], g, step, first, default);
            return g;
        }
        Assert.Equal(G(new(1, 5)), G(new(1, 5)));
        Assert.NotEqual(G(new(1, 5)), G(new(1, 6)));
        Assert.NotEqual(G(new(1, 5)), G(new(2, 5)));
        // Two slices that say where they start in the batch draw the whole batch's masks: the batch gradient is their
        // weighted sum (up to float rounding); slices that both claim sample 0 draw other masks and miss it.
        var whole = G(new(1, 5));
        var a = G(new(1, 5), 0, 0, 3);
        var b = G(new(1, 5), 3, 3, 5);
        var wrong = G(new(1, 5), 0, 3, 5);
        double Error(float[] second) => whole.Select((v, i) => Math.Abs(v - (3f / 8 * a[i] + 5f / 8 * second[i]))).Max();
        output.WriteLine($"slices with their offsets: {Error(b):E2}; without: {Error(wrong):E2}");
        Assert.True(Error(b) < 1e-5);
        Assert.True(Error(wrong) > 1e-3);
        // Plain ComputeGradients is step default(TrainingStep).
        var plain = new float[DropoutDense.ParameterCount];
        net.ComputeGradients(x, t, plain);
        Assert.Equal(G(default), plain);
    }

    [Fact]
    public void Dropout_inference_is_the_identity()
    {
        var net = new DropoutDense(4);
        var p = net.Parameters.ToArray();
        var x = Random(5, 8);
        var y = new float[2];
        net.Predict(x, y);
        for (int o = 0; o < 2; o++)
        {
            double sum = p[8 * 5 + 8 + 16 + o];
            for (int h = 0; h < 8; h++)
            {
                double z = p[5 * 8 + h];
                for (int i = 0; i < 5; i++) z += (double)p[h * 5 + i] * x[i];
                sum += p[8 * 5 + 8 + o * 8 + h] * Math.Max(0, z);
            }
            Assert.Equal(sum, y[o], 1e-5);
        }
        var batch = new float[2];
        net.PredictBatch(x, batch);
        Assert.Equal(y, batch);
    }

    [Theory]
    [InlineData(nameof(BnConvPool))]
    [InlineData(nameof(BnDropoutConv))]
    [InlineData(nameof(BnDense))]
    public void Threads_calling_ComputeGradients_on_one_instance_get_the_one_thread_result(string name)
    {
        ITrainingModeNetwork net = name switch
        {
            nameof(BnConvPool) => new BnConvPool(5),
            nameof(BnDropoutConv) => new BnDropoutConv(5),
            _ => new BnDense(5),
        };
        int inputSize = net.Parameters.Length > 0 ? name switch { nameof(BnConvPool) => 84, nameof(BnDropoutConv) => 36, _ => 6 } : 0;
        Random(net.StateCount, 4, 0.3f).Select(v => v + 1f).ToArray().CopyTo(net.State);
        // Batches of different sizes: each thread's workspace grows to its own largest.
        var cases = Enumerable.Range(0, 8).Select(k =>
        {
            int batch = 5 + 9 * k;
            return (X: Random(batch * inputSize, 100 + k), L: Enumerable.Range(0, batch).Select(i => (i + k) % 3).ToArray(), Step: new TrainingStep(3, k));
        }).ToArray();
        var expected = cases.Select(c =>
        {
            var g = new float[net.Parameters.Length];
            var s = new float[net.StateCount];
            float loss = net.ComputeGradients(c.X, [], c.L, g, c.Step, 0, s);
            return (loss, g, s);
        }).ToArray();
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = 4 }, r =>
        {
            var c = cases[r % cases.Length];
            var g = new float[net.Parameters.Length];
            var s = new float[net.StateCount];
            float loss = net.ComputeGradients(c.X, [], c.L, g, c.Step, 0, s);
            var e = expected[r % cases.Length];
            Assert.Equal(e.loss, loss);
            Assert.Equal(e.g, g);
            Assert.Equal(e.s, s);
        });
    }

    [Fact]
    public void Trainer_applies_the_running_statistics_with_the_step_and_keeps_batches_whole()
    {
        var x = Random(20 * 6, 21);
        var labels = Enumerable.Range(0, 20).Select(i => i % 3).ToArray();
        var data = new Dataset(x, 6, labels);
        var net = new BnDense(8);
        var reference = new BnDense(8);
        var g = new float[BnDense.ParameterCount];
        var s = new float[BnDense.StateCount];
        reference.ComputeGradients(x, [], labels, g, new TrainingStep(17, 0), 0, s);
        var trainer = new Trainer<BnDense>(net, new Sgd(BnDense.ParameterCount, 0.1f), new TrainerOptions { BatchSize = 20, Seed = 17, Threads = 2 });
        trainer.TrainStep(data, Enumerable.Range(0, 20).ToArray());
        Assert.Equal(s, net.State.ToArray());
        var p = reference.Parameters.ToArray();
        for (int i = 0; i < p.Length; i++) p[i] -= 0.1f * g[i];
        Assert.Equal(p, net.Parameters.ToArray());
    }

    [Fact]
    public void Batch_of_one_sample_is_refused_by_a_BatchNorm1d()
    {
        var net = new BnDense(1);
        var e = Assert.Throws<ArgumentException>(() => net.ComputeGradients(new float[6], [0], new float[BnDense.ParameterCount]));
        Assert.Contains("at least 2 samples", e.Message);
        // BatchNorm2d normalises over height × width too: one sample is enough.
        new BnBeforeConv(1).ComputeGradients(new float[72], new float[3], new float[BnBeforeConv.ParameterCount]);
    }

    [Fact]
    public void Model_file_round_trip_keeps_the_state()
    {
        var net = new BnConvPool(6);
        Random(BnConvPool.StateCount, 9, 0.4f).Select(v => v + 1f).ToArray().CopyTo(net.State);
        string path = Path.Combine(Path.GetTempPath(), $"bn-{Guid.NewGuid():N}.ncmf");
        try
        {
            ModelFile.Save(net, path);
            Assert.Equal(2, BitConverter.ToInt32(File.ReadAllBytes(path), 4));
            var loaded = ModelFile.Load<BnConvPool>(path);
            Assert.Equal(net.Parameters.ToArray(), loaded.Parameters.ToArray());
            Assert.Equal(net.State.ToArray(), loaded.State.ToArray());
            var into = new BnConvPool(7);
            ModelFile.Load(into, path);
            Assert.Equal(net.State.ToArray(), into.State.ToArray());
            var x = Random(84 * 3, 2);
            float[] a = new float[9], b = new float[9];
            net.PredictBatch(x, a);
            loaded.PredictBatch(x, b);
            Assert.Equal(a, b);
            var contents = ModelFile.Read(path);
            Assert.Equal(net.State.ToArray(), contents.State);

            // A network without state still writes version 1, byte for byte the old format.
            var plain = new DropoutDense(1);
            ModelFile.Save(plain, path);
            Assert.Equal(1, BitConverter.ToInt32(File.ReadAllBytes(path), 4));
            Assert.Empty(ModelFile.Read(path).State);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_file_whose_state_does_not_fit_is_refused()
    {
        var net = new BnDense(1);
        var stream = new MemoryStream();
        ModelFile.Write(stream, BnDense.ArchitectureHash, BnDense.Architecture, net.Parameters, new float[3]);
        stream.Position = 0;
        var e = Assert.Throws<InvalidDataException>(() => ModelFile.Load(net, stream));
        Assert.Contains("state", e.Message);
        Assert.True(ModelFile.IsArchitectureMismatch(e));
    }

    [Fact]
    public void Initialisation_is_PyTorchs()
    {
        var net = new BnConvPool(3);
        net.State.Fill(5f);
        net.InitializeParameters(4);
        // γ = 1 and β = 0 (layer 2: 3 channels after the conv's 2·3·3·3 + 3 = 57 parameters); running mean 0, variance 1.
        Assert.Equal(Enumerable.Repeat(1f, 3), net.Parameters.Slice(57, 3).ToArray());
        Assert.Equal(new float[3], net.Parameters.Slice(60, 3).ToArray());
        Assert.Equal(new float[] { 0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 1 }, net.State.ToArray());
    }

    [Fact]
    public void Architecture_names_the_settings()
    {
        Assert.Equal("Input(2,6,7) Conv2D(3,3x3) BatchNorm(ReLU,Momentum=0.25) MaxPool2D(2) Dense(4) BatchNorm(Tanh,Epsilon=0.001) Dense(3) SoftmaxCrossEntropy", BnConvPool.Architecture);
        Assert.Equal("Input(5) Dense(8,ReLU) Dropout(0.5) Dense(2) HalfSquaredError", DropoutDense.Architecture);
        Assert.Equal(0, ((ITrainingModeNetwork)new DropoutDense(1)).StateCount);
        Assert.False(((ITrainingModeNetwork)new DropoutDense(1)).CouplesBatch);
        Assert.True(((ITrainingModeNetwork)new BnDense(1)).CouplesBatch);
    }
}
