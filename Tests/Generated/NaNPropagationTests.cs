using System;
using System.Linq;
using NetCompiler.Tests.Conv;
using Xunit;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Tests.Generated;

/// <summary>
/// A NaN in an input must come out as NaN, never as a plausible number: ReLU and max pooling are the only places where a
/// generated kernel could swallow one (a maximum that returns its other operand on NaN). Each network below starts with a
/// ReLU layer, so a NaN in input 0 makes some of its sums NaN; every later layer mixes all its inputs, so every output of
/// that sample must be NaN, in <c>Predict</c> and in <c>PredictBatch</c> (where 75 samples are a chunk of 64 — on AVX-512
/// the dense networks' lane path — and one of 11, which covers whole and partial blocks of lanes and the dense tiles'
/// sample tails). Samples without a NaN must stay finite: nothing leaks across samples.
/// </summary>
public class NaNPropagationTests
{
    [Fact] public void Dense_vector_epilogue_and_scalar_tail_37_to_33() => Check<Hse37ReLU>();
    [Fact] public void Dense_70_to_20() => Check<Sce70ReLU>();
    [Fact] public void Dense_64_to_32() => Check<Aligned64>();
    [Fact] public void Dense_200_to_150() => Check<InitProbe>();
    [Fact] public void Unrolled_2_2_1() => Check<Tiny221ReLU>();
    [Fact] public void Unrolled_3_4_2() => Check<Tiny342ReLUSce>();
    [Fact] public void Fused_8_by_8_AVX_form() => Check<Tiny888Hse>();
    [Fact] public void Fused_8_by_8_AVX_form_without_bias() => Check<Tiny8888Sce>();
    [Fact] public void Convolution_and_max_pooling() => Check<MiniLeNet>();
    [Fact] public void Convolution_with_filters_in_vector_lanes() => Check<ConvFiltersInLanes>();
    [Fact] public void LeNet5() => Check<LeNet5>();

    private static void Check<TNet>() where TNet : class, INetwork<TNet>
    {
        var net = TNet.Create(7);
        var rng = new Random(3);
        const int batch = 75;
        var x = new float[batch * TNet.InputSize];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 2 - 1);
        for (int s = 0; s < batch; s += 2) x[s * TNet.InputSize] = float.NaN; // even samples carry a NaN in input 0

        var y = new float[TNet.OutputSize];
        net.Predict(x.AsSpan(0, TNet.InputSize), y);
        Assert.All(y, v => Assert.True(float.IsNaN(v), $"Predict gave {v} for an input with a NaN"));
        net.Predict(x.AsSpan(TNet.InputSize, TNet.InputSize), y);
        Assert.All(y, v => Assert.True(float.IsFinite(v), $"Predict gave {v} for an input without NaN"));

        var ys = new float[batch * TNet.OutputSize];
        net.PredictBatch(x, ys);
        for (int s = 0; s < batch; s++)
        {
            var row = ys.Skip(s * TNet.OutputSize).Take(TNet.OutputSize);
            if (s % 2 == 0) Assert.All(row, v => Assert.True(float.IsNaN(v), $"PredictBatch gave {v} for sample {s}, which has a NaN"));
            else Assert.All(row, v => Assert.True(float.IsFinite(v), $"PredictBatch gave {v} for sample {s}, which has none"));
        }
    }
}
