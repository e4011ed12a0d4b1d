using System;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Threading;
using NetCompiler.Tests.Generated;
using Xunit;

namespace NetCompiler.Tests.Runtime;

/// <summary>
/// Checkpoints and resume: a training run in a child process is killed (a real kill, not a flag) after its checkpoint
/// of epoch 2 appears; resuming from the checkpoint lands on the bits of an uninterrupted run.
/// </summary>
public class CheckpointTests
{
    public const string ChildCommand = "checkpoint-child";
    private const int Epochs = 6;

    private static Dataset Data()
    {
        var rng = new Random(7);
        return new Dataset(Enumerable.Range(0, 300 * 70).Select(_ => (float)(rng.NextDouble() * 2 - 1)).ToArray(), 70,
            Enumerable.Range(0, 300).Select(_ => rng.Next(10)).ToArray());
    }

    private static Dataset Validation() => Data().Slice(0, 60);

    private static Trainer<Sce70Tanh> NewTrainer(string? checkpoint, int seed, Action<EpochReport>? progress = null, BatchProgressHandler? batch = null) =>
        new(new Sce70Tanh(seed), new Adam(Sce70Tanh.ParameterCount, 3e-3f, weightDecay: 1e-2f, decoupledWeightDecay: true), new TrainerOptions
        {
            Epochs = Epochs, BatchSize = 16, Seed = 11, CheckpointPath = checkpoint,
            LearningRateSchedule = LearningRateSchedules.LinearWarmup(1, LearningRateSchedules.CosineDecay(Epochs - 1)),
            Progress = progress, BatchProgress = batch,
        });

    /// <summary>The child: trains slowly (20 ms per batch, 0.4 s per epoch) with a checkpoint per epoch, until it is killed.</summary>
    public static int RunChild(string[] args)
    {
        NewTrainer(args[0], seed: 3, batch: (in BatchProgress _) => Thread.Sleep(60)).Fit(Data(), Validation());   // slow enough to be killed mid-run on a loaded machine
        return 0;
    }

    [Fact]
    public void Killed_run_resumes_to_the_bits_of_an_uninterrupted_run()
    {
        string dir = Directory.CreateTempSubdirectory("ncck").FullName;
        try
        {
            string path = Path.Combine(dir, "run.ncck");
            var child = Process.Start(new ProcessStartInfo("dotnet", [typeof(CheckpointTests).Assembly.Location, ChildCommand, path])
            {
                UseShellExecute = false, RedirectStandardError = true,
            })!;
            int killedAfter, seen;
            try
            {
                var clock = Stopwatch.StartNew();
                while (true)
                {
                    Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "no checkpoint of epoch 2 appeared");
                    if (child.HasExited) Assert.Fail($"the child ended before it was killed: {child.StandardError.ReadToEnd()}");
                    if (File.Exists(path) && (seen = Checkpoint.Read(path, Sce70Tanh.ArchitectureHash, Sce70Tanh.Architecture).Epoch) >= 2) break;
                    Thread.Sleep(5);
                }
                child.Kill(entireProcessTree: true);
                child.WaitForExit();
                killedAfter = Checkpoint.Read(path, Sce70Tanh.ArchitectureHash, Sce70Tanh.Architecture).Epoch;
            }
            finally
            {
                if (!child.HasExited) child.Kill(entireProcessTree: true);
            }
            Assert.True(killedAfter >= 2 && killedAfter < Epochs, $"killed after epoch {killedAfter} (seen {seen}): not mid-run");

            // Resume in this process, into a network of other initial weights: everything comes from the checkpoint.
            var resumed = NewTrainer(null, seed: 99);
            TrainingResult continued = resumed.Fit(Data(), Validation(), resumeFrom: path);

            var whole = NewTrainer(null, seed: 3);
            TrainingResult uninterrupted = whole.Fit(Data(), Validation());

            float[] a = whole.Network.Parameters.ToArray(), b = resumed.Network.Parameters.ToArray();
            int differing = Enumerable.Range(0, a.Length).Count(i => BitConverter.SingleToInt32Bits(a[i]) != BitConverter.SingleToInt32Bits(b[i]));
            Assert.True(differing == 0, $"{differing} of {a.Length} parameters differ after resuming from epoch {killedAfter}");
            Assert.Equal(whole.Optimizer.StepCount, resumed.Optimizer.StepCount);
            Assert.Equal(Epochs, continued.Epochs.Count);
            Assert.Equal(uninterrupted.Epochs.Select(e => e.TrainingLoss), continued.Epochs.Select(e => e.TrainingLoss));
            Assert.Equal(uninterrupted.Epochs.Select(e => e.LearningRate), continued.Epochs.Select(e => e.LearningRate));
            Assert.Equal(uninterrupted.BestEpoch, continued.BestEpoch);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Checkpoint_holds_the_epochs_state_and_rejects_damage()
    {
        string dir = Directory.CreateTempSubdirectory("ncck").FullName;
        try
        {
            string path = Path.Combine(dir, "run.ncck");
            var trainer = NewTrainer(path, seed: 3);
            float[]? afterEpoch3 = null;
            var sgd = new Trainer<Sce70Tanh>(new Sce70Tanh(1), new Sgd(Sce70Tanh.ParameterCount, 0.05f, momentum: 0.9f), new TrainerOptions
            {
                Epochs = 3, BatchSize = 16, CheckpointPath = path, Progress = r => { if (r.Epoch == 3) afterEpoch3 = null; },
            });
            sgd.Fit(Data());
            CheckpointState state = Checkpoint.Read(path, Sce70Tanh.ArchitectureHash, Sce70Tanh.Architecture);
            Assert.Equal(3, state.Epoch);
            Assert.True(state.Parameters.AsSpan().SequenceEqual(sgd.Network.Parameters));
            Assert.True(state.OptimizerState[0].AsSpan().SequenceEqual(((Sgd)sgd.Optimizer).Velocity));
            Assert.Equal(3 * 19, state.OptimizerSteps);
            Assert.Equal(3, state.Reports.Count);
            Assert.Null(afterEpoch3);
            Assert.Empty(Directory.GetFiles(dir, "*.tmp"));

            // A trainer with another optimizer refuses it.
            Assert.Throws<InvalidOperationException>(() => trainer.Fit(Data(), resumeFrom: path));

            // Every single flipped byte is caught (the state's CRC or an embedded model file's).
            byte[] bytes = File.ReadAllBytes(path);
            string damaged = Path.Combine(dir, "damaged.ncck");
            foreach (int at in new[] { 2, 6, 13, 40, bytes.Length / 2, bytes.Length - 3 })
            {
                byte[] copy = (byte[])bytes.Clone();
                copy[at] ^= 0x10;
                File.WriteAllBytes(damaged, copy);
                Assert.Throws<InvalidDataException>(() => Checkpoint.Read(damaged, Sce70Tanh.ArchitectureHash, Sce70Tanh.Architecture));
            }
            File.WriteAllBytes(damaged, bytes[..^1]);
            Assert.Throws<InvalidDataException>(() => Checkpoint.Read(damaged, Sce70Tanh.ArchitectureHash, Sce70Tanh.Architecture));
            Assert.Throws<InvalidDataException>(() => Checkpoint.Read(path, 1234, "Input(70) something else"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
