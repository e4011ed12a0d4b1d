using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Xunit;

namespace NetCompiler.Tests.Runtime;

public class TrainerTests
{
    private static void AssertClose(double expected, double actual, double tolerance = 1e-6)
        => Assert.True(Math.Abs(expected - actual) <= tolerance, $"expected {expected}, got {actual}");

    [Fact]
    public void LinearRegression_LearnsTheGeneratingWeights()
    {
        Dataset train = ToyData.Linear(256, seed: 1);
        var net = Regressor.Create(3);
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0.05f, momentum: 0.9f), new TrainerOptions { Epochs = 40, BatchSize = 16 });

        TrainingResult result = trainer.Fit(train);

        Assert.Equal(40, result.Epochs.Count);
        Assert.False(result.StoppedEarly);
        Assert.True(result.Epochs[^1].TrainingLoss < result.Epochs[0].TrainingLoss / 100);
        Assert.True(result.Last.TrainingLoss < 1e-6, $"final loss {result.Last.TrainingLoss}");
        float[] p = net.GetParameters();
        AssertClose(2f, p[0], 1e-3);
        AssertClose(-3f, p[1], 1e-3);
        AssertClose(0.5f, p[2], 1e-3);
        Assert.True(double.IsNaN(trainer.Evaluate(train).Accuracy)); // regression with targets: accuracy not meaningful
    }

    [Fact]
    public void SoftmaxClassifier_OnSeparableData_ReachesFullAccuracy_UsingTheLabelOverload()
    {
        Dataset all = ToyData.Clusters(300, seed: 2).Shuffle(1);
        var (validation, train) = all.Split(60);
        var net = SoftmaxClassifier.Create(4);
        var trainer = new Trainer<SoftmaxClassifier>(net, new Sgd(9, 0.1f, momentum: 0.9f), new TrainerOptions { Epochs = 15, BatchSize = 32 });
        EvaluationResult initial = trainer.Evaluate(validation);

        TrainingResult result = trainer.Fit(train, validation);

        Assert.True(result.Last.Validation!.Value.Loss < initial.Loss / 10);
        Assert.Equal(1.0, result.Last.Validation.Value.Accuracy);
        Assert.Equal(1.0, Trainer<SoftmaxClassifier>.Evaluate(net, train).Accuracy);
        Assert.Equal(15 * 8, net.LabelCalls); // 240 samples / 32 = 7.5 → 8 batches per epoch
        Assert.Equal(0, net.TargetCalls);
    }

    [Fact]
    public void LabelsOnAHalfSquaredErrorNetwork_BecomeOneHotTargets()
    {
        var data = new Dataset([1, 2, 3, 4, 5, 6], 2, [2, 0, 1]);
        var net = OneHotRegressor.Create(1);
        var trainer = new Trainer<OneHotRegressor>(net, new Sgd(9, 0.01f), new TrainerOptions { BatchSize = 4 });

        trainer.TrainStep(data, [1, 0, 2]);

        Assert.Equal(1, net.TargetCalls);
        Assert.Equal(
            [1f, 0f, 0f, /* sample 1, label 0 */ 0f, 0f, 1f, /* sample 0, label 2 */ 0f, 1f, 0f /* sample 2, label 1 */],
            net.LastTargets.AsSpan(0, net.LastTargetsLength).ToArray());
        Assert.Equal([3f, 4f, 1f, 2f, 5f, 6f], net.LastInputs.AsSpan(0, net.LastInputsLength).ToArray());

        // A second, smaller batch must not see stale ones from the first.
        trainer.TrainStep(data, [2]);
        Assert.Equal([0f, 1f, 0f], net.LastTargets.AsSpan(0, net.LastTargetsLength).ToArray());
    }

    [Fact]
    public void BinaryLabelsOnASingleOutputNetwork_AreUsedAsTargets_AndAccuracyThresholdsAtHalf()
    {
        var data = new Dataset([0, 0, 1, 0, 1, 0, 0, 1], 2, [0, 1, 0, 1]);
        var net = Regressor.Create(1);
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0.01f), new TrainerOptions { BatchSize = 4 });
        trainer.TrainStep(data, [3, 0, 1]);
        Assert.Equal([1f, 0f, 1f], net.LastTargets.AsSpan(0, net.LastTargetsLength).ToArray());

        // y = x0 + 0.5: 0.5 (predicts 0), 1.5 (1), 1.5 (1), 0.5 (0) against labels 0, 1, 0, 1 → 2 of 4 right.
        net.LoadParameters([1f, 0f, 0.5f]);
        EvaluationResult r = Trainer<Regressor>.Evaluate(net, data, batchSize: 3);
        Assert.Equal(0.5, r.Accuracy);
        AssertClose(0.125 + 0.125 + 0.5 * 1.5 * 1.5 + 0.125, r.Loss * 4);

        Assert.Throws<ArgumentException>("train", () => trainer.Fit(new Dataset([0, 0], 2, [2])));
    }

    [Fact]
    public void Evaluate_SoftmaxLossAndAccuracy_MatchHandComputation()
    {
        // W = 0, b = (0, ln 2, 0) → p = (¼, ½, ¼) for every input.
        var net = SoftmaxClassifier.Create(1);
        net.LoadParameters([0, 0, 0, 0, 0, 0, 0, MathF.Log(2), 0]);
        var labelled = new Dataset([1, 2, 3, 4, 5, 6, 7, 8], 2, [1, 0, 2, 1]);
        // −(ln ½ + ln ¼ + ln ¼ + ln ½) / 4 = 1.5 ln 2; argmax is class 1 → 2 of 4 right.
        EvaluationResult r = Trainer<SoftmaxClassifier>.Evaluate(net, labelled, batchSize: 3);
        AssertClose(1.5 * Math.Log(2), r.Loss);
        Assert.Equal(0.5, r.Accuracy);
        Assert.Equal(4, r.Count);

        // Probability targets: −(½ ln ¼ + ½ ln ½) for the first, −ln ½ for the second (argmax 1 = 1 and 0 ≠ 1).
        var soft = new Dataset([1, 2, 3, 4], 2, [0.5f, 0.5f, 0, 0, 1, 0], 3);
        EvaluationResult s = Trainer<SoftmaxClassifier>.Evaluate(net, soft);
        AssertClose((-(0.5 * Math.Log(0.25) + 0.5 * Math.Log(0.5)) - Math.Log(0.5)) / 2, s.Loss);
        Assert.Equal(0.5, s.Accuracy);
    }

    [Fact]
    public void Evaluate_HalfSquaredError_WithTargetsAndOneHotLabels()
    {
        var reg = Regressor.Create(1);
        reg.LoadParameters([1f, 2f, 0.5f]);
        // x = (1, 1) → 3.5 vs 3: ½·0.25; x = (0, 0) → 0.5 vs 1.5: ½·1 → mean 0.3125.
        EvaluationResult r = Trainer<Regressor>.Evaluate(reg, new Dataset([1, 1, 0, 0], 2, [3f, 1.5f], 1));
        AssertClose(0.3125, r.Loss);
        Assert.True(double.IsNaN(r.Accuracy));

        var multi = OneHotRegressor.Create(1);
        multi.LoadParameters([0, 0, 0, 0, 0, 0, 1f, 0f, 0.5f]); // y = (1, 0, 0.5) always
        // label 0: ½(0 + 0 + 0.25); label 2: ½(1 + 0 + 0.25). Argmax 0 → 1 of 2 right.
        EvaluationResult m = Trainer<OneHotRegressor>.Evaluate(multi, new Dataset([1, 2, 3, 4], 2, [0, 2]));
        AssertClose((0.125 + 0.625) / 2, m.Loss);
        Assert.Equal(0.5, m.Accuracy);
    }

    [Fact]
    public void LastPartialBatch_IsUsed_AndTrainingLossIsWeightedBySize()
    {
        // Learning rate 0 keeps the parameters fixed, so the epoch's training loss must equal the loss over all samples.
        var t = new float[10];
        for (int i = 0; i < 10; i++) t[i] = i * i;
        var data = new Dataset(Enumerable.Range(0, 20).Select(i => (float)(i % 7)).ToArray(), 2, t, 1);
        var net = Regressor.Create(2);
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0f), new TrainerOptions { Epochs = 1, BatchSize = 4 });

        TrainingResult result = trainer.Fit(data);

        Assert.Equal([4, 4, 2], net.BatchSizes.AsSpan(0, net.BatchCount).ToArray());
        double expected = Trainer<Regressor>.Evaluate(net, data).Loss;
        AssertClose(expected, result.Last.TrainingLoss, expected * 1e-6);
    }

    [Fact]
    public void EarlyStopping_TriggersAfterPatience_AndRestoresTheBestEpoch()
    {
        // Train towards w0 = 2, validate against w0 = −6: once w0 passes the best compromise the validation loss rises.
        Dataset train = ToyData.Linear(64, seed: 3, w0: 2f);
        Dataset validation = ToyData.Linear(64, seed: 4, w0: -6f);
        var net = Regressor.Create(1);
        net.LoadParameters([-6f, -3f, 0.5f]);
        var snapshots = new List<float[]>();
        var options = new TrainerOptions
        {
            Epochs = 100,
            BatchSize = 8,
            Patience = 3,
            RestoreBest = true,
            Progress = _ => snapshots.Add(net.GetParameters()),
        };
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0.02f), options);

        TrainingResult result = trainer.Fit(train, validation);

        Assert.True(result.StoppedEarly);
        Assert.True(result.RestoredBest);
        Assert.Equal(1, result.BestEpoch); // the validation loss only rises as w0 leaves −6
        Assert.Equal(1 + 3, result.Epochs.Count);
        Assert.Equal(snapshots.Count, result.Epochs.Count);
        Assert.True(result.Epochs[0].Improved);
        Assert.All(result.Epochs.Skip(1), e => Assert.False(e.Improved));
        Assert.Equal(result.Epochs[0].Validation!.Value.Loss, result.BestObjective);
        Assert.Equal(snapshots[0], net.GetParameters());
        Assert.NotEqual(snapshots[^1], net.GetParameters());

        // The trainer continues from the restored parameters.
        var retrain = new Trainer<Regressor>(net, new Sgd(3, 0.02f), options with { RestoreBest = false, Progress = null });
        TrainingResult again = retrain.Fit(train, validation);
        Assert.False(again.RestoredBest);
        Assert.True(again.StoppedEarly);
        Assert.NotEqual(snapshots[0], net.GetParameters());
    }

    [Fact]
    public void EarlyStopping_WithoutValidation_WatchesTheTrainingLoss()
    {
        Dataset train = ToyData.Linear(64, seed: 5);
        var net = Regressor.Create(1);
        // Learning rate 0 and a fixed order: the training loss never changes, so it never improves after epoch 1.
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0f), new TrainerOptions { Epochs = 50, Patience = 2, Shuffle = false });
        TrainingResult result = trainer.Fit(train);
        Assert.True(result.StoppedEarly);
        Assert.Equal(3, result.Epochs.Count);
        Assert.Null(result.Last.Validation);
        Assert.Equal(result.Last.TrainingLoss, result.Last.Objective);
    }

    [Fact]
    public void SameSeed_GivesIdenticalParameters_AndAnotherSeedDoesNot()
    {
        float[] Run(int shuffleSeed)
        {
            var net = SoftmaxClassifier.Create(11);
            var trainer = new Trainer<SoftmaxClassifier>(net, new Sgd(9, 0.05f, momentum: 0.9f),
                new TrainerOptions { Epochs = 3, BatchSize = 10, Seed = shuffleSeed });
            trainer.Fit(ToyData.Clusters(95, seed: 6));
            return net.GetParameters();
        }

        float[] a = Run(1), b = Run(1), c = Run(2);
        Assert.Equal(a, b); // bit-identical
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void StepDecaySchedule_SetsEachEpochsRate_AndFitRestoresTheInitialRate()
    {
        var sgd = new Sgd(3, 0.1f);
        var trainer = new Trainer<Regressor>(Regressor.Create(1), sgd,
            new TrainerOptions { Epochs = 5, LearningRateSchedule = TrainerOptions.StepDecay(2, 0.5f) });
        TrainingResult result = trainer.Fit(ToyData.Linear(16, seed: 7));
        Assert.Equal([0.1f, 0.1f, 0.05f, 0.05f, 0.025f], result.Epochs.Select(e => e.LearningRate).ToArray());
        Assert.Equal(0.1f, sgd.LearningRate);
        var bad = new Trainer<Regressor>(Regressor.Create(1), sgd, new TrainerOptions { LearningRateSchedule = (e, lr) => e == 2 ? float.NaN : lr });
        var ex = Assert.Throws<InvalidOperationException>(() => bad.Fit(ToyData.Linear(16, seed: 7)));
        Assert.Contains("epoch 2", ex.Message);
        Assert.Equal(0.1f, sgd.LearningRate);
        Assert.Throws<ArgumentOutOfRangeException>("stepEpochs", () => TrainerOptions.StepDecay(0, 0.5f));
        Assert.Throws<ArgumentOutOfRangeException>("factor", () => TrainerOptions.StepDecay(1, 0f));
    }

    [Fact]
    public void Progress_IsCalledOncePerEpochInOrder()
    {
        var epochs = new List<int>();
        var trainer = new Trainer<Regressor>(Regressor.Create(1), new Sgd(3, 0.01f),
            new TrainerOptions { Epochs = 4, Progress = r => epochs.Add(r.Epoch) });
        trainer.Fit(ToyData.Linear(8, seed: 1));
        Assert.Equal([1, 2, 3, 4], epochs);
    }

    [Fact]
    public void TrainStep_DoesNotAllocateAfterWarmUp()
    {
        Dataset clusters = ToyData.Clusters(64, seed: 8);
        Dataset linear = ToyData.Linear(64, seed: 8);
        var classifier = new Trainer<SoftmaxClassifier>(SoftmaxClassifier.Create(1), new Sgd(9, 0.01f, momentum: 0.9f), new TrainerOptions { BatchSize = 16 });
        var oneHot = new Trainer<OneHotRegressor>(OneHotRegressor.Create(1), new Sgd(9, 0.01f, momentum: 0.9f), new TrainerOptions { BatchSize = 16 });
        var regressor = new Trainer<Regressor>(Regressor.Create(1), new Sgd(3, 0.01f, momentum: 0.9f), new TrainerOptions { BatchSize = 16 });
        int[] indices = Enumerable.Range(0, 64).Reverse().ToArray();

        void Steps(int count)
        {
            for (int s = 0; s < count; s++)
            {
                ReadOnlySpan<int> batch = indices.AsSpan(s % 4 * 16, s % 3 == 2 ? 5 : 16); // some partial batches
                classifier.TrainStep(clusters, batch);
                oneHot.TrainStep(clusters, batch);
                regressor.TrainStep(linear, batch);
            }
        }

        Steps(3);
        long before = GC.GetAllocatedBytesForCurrentThread();
        Steps(200);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(0, allocated);

        classifier.Evaluate(clusters);
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10; i++) classifier.Evaluate(clusters);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void TrainStep_FollowsParametersChangedOutsideTheTrainer()
    {
        var net = Regressor.Create(1);
        var trainer = new Trainer<Regressor>(net, new Sgd(3, 0f), new TrainerOptions { BatchSize = 4 });
        net.LoadParameters([7f, 8f, 9f]); // e.g. ModelFile.Load after the trainer was built
        trainer.TrainStep(ToyData.Linear(4, seed: 1), [0, 1]);
        Assert.Equal([7f, 8f, 9f], net.GetParameters()); // lr 0: unchanged, not reverted to the constructor's copy
    }

    [Fact]
    public void Arguments_AreValidated()
    {
        var net = SoftmaxClassifier.Create(1);
        var sgd = new Sgd(9, 0.1f);
        Assert.Throws<ArgumentException>("optimizer", () => new Trainer<SoftmaxClassifier>(net, new Sgd(8, 0.1f)));
        Assert.Throws<ArgumentOutOfRangeException>("options", () => new Trainer<SoftmaxClassifier>(net, sgd, new TrainerOptions { Epochs = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("options", () => new Trainer<SoftmaxClassifier>(net, sgd, new TrainerOptions { BatchSize = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>("options", () => new Trainer<SoftmaxClassifier>(net, sgd, new TrainerOptions { Patience = -1 }));

        var trainer = new Trainer<SoftmaxClassifier>(net, sgd, new TrainerOptions { BatchSize = 2 });
        var wrongFeatures = Assert.Throws<ArgumentException>("train", () => trainer.Fit(new Dataset([1, 2, 3], 3, [0])));
        Assert.Contains("3 features", wrongFeatures.Message);
        var badLabel = Assert.Throws<ArgumentException>("validation", () => trainer.Fit(ToyData.Clusters(6, 1), new Dataset([1, 2], 2, [3])));
        Assert.Contains("Label 3", badLabel.Message);
        Assert.Throws<ArgumentException>("train", () => trainer.Fit(new Dataset([1, 2, 3], 1, [0, 0, 0, 0, 0, 0], 2)));
        Assert.Throws<ArgumentException>("train", () => trainer.Fit(new Dataset([], 2, [])));

        Dataset data = ToyData.Clusters(6, 1);
        Assert.Throws<ArgumentException>("batchIndices", () => trainer.TrainStep(data, [0, 1, 2]));
        Assert.Throws<ArgumentException>("batchIndices", () => trainer.TrainStep(data, []));
        Assert.Throws<ArgumentOutOfRangeException>("batchIndices", () => trainer.TrainStep(data, [6]));
    }

    [Fact]
    public void Fit_HonoursCancellation()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var trainer = new Trainer<Regressor>(Regressor.Create(1), new Sgd(3, 0.1f));
        Assert.Throws<OperationCanceledException>(() => trainer.Fit(ToyData.Linear(8, 1), cancellationToken: cts.Token));
    }
}
