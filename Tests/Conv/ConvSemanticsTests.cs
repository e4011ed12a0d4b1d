using System;
using System.Linq;
using Xunit;

namespace NetCompiler.Tests.Conv;

// Small networks whose expected numbers are worked out by hand in the tests below, independently of any reference.

/// <summary>[2,3,4] → conv 2×3, padding 1 → [2,4,4] → flatten → one bias-less unit. Parameters: conv W [2,2,2,3]
/// (24), conv b [2], dense W [1,32].</summary>
[Network] [Input(2, 3, 4)] [Conv2D(2, 2, 3, Padding = 1)] [Dense(1, Bias = false)]
public partial class LayoutProbe { }

/// <summary>[1,2,3] → conv 1×2, padding 1, no bias → [1,4,4] → max pool over the whole map → 1 output.</summary>
[Network] [Input(1, 2, 3)] [Conv2D(1, 1, 2, Padding = 1, Bias = false)] [MaxPool2D(4)]
public partial class TieProbe { }

/// <summary>[1,2,6] → 2×2 max pool, stride 2 → [1,1,3] (three windows, the last one past the last whole pair) → a
/// bias-less dense layer whose weights are set to the identity, so the outputs are the pooled values.</summary>
[Network] [Input(1, 2, 6)] [MaxPool2D(2)] [Dense(3, Bias = false)]
public partial class PoolProbe { }

/// <summary>[1,2,10] → 2×2 max pool, stride 2 → [1,1,5] (with 256-bit vectors: one step of four outputs and a last step
/// overlapping it) → a bias-less dense layer set to the identity.</summary>
[Network] [Input(1, 2, 10)] [MaxPool2D(2)] [Dense(5, Bias = false)]
public partial class WidePoolProbe { }

/// <summary>[1,3,4] → 3×3 max pool, stride 1 → [1,1,2] (two overlapping windows: the general single-sample code) →
/// a bias-less dense layer set to the identity.</summary>
[Network] [Input(1, 3, 4)] [MaxPool2D(3, Stride = 1)] [Dense(2, Bias = false)]
public partial class OverlapPoolProbe { }

/// <summary>Semantics pinned down with hand-computed numbers: PyTorch's parameter layout and flatten order, and where
/// max pooling sends the gradient when a window has two maxima.</summary>
public class ConvSemanticsTests
{
    private static float[] LayoutInput()
    {
        // x[c, h, w] = 100c + 10h + w, stored channel-major.
        var x = new float[2 * 3 * 4];
        for (int c = 0; c < 2; c++)
            for (int h = 0; h < 3; h++)
                for (int w = 0; w < 4; w++)
                    x[(c * 3 + h) * 4 + w] = 100 * c + 10 * h + w;
        return x;
    }

    [Theory]
    // One conv weight W[1, 1, 0, 2] = 1 (canonical index ((1·2 + 1)·2 + 0)·3 + 2 = 20), biases b = [0.5, −0.25], so
    // y[1, i, j] = −0.25 + x[1, i − 1, j + 1] (0 outside: padding 1) and y[0] = 0.5. The dense weight picks one conv
    // output: flat index k = o·16 + i·4 + j (channel-major) sits at canonical index 26 + k.
    [InlineData(1, 2, 1, 111.75f)]  // x[1, 1, 2] = 112
    [InlineData(1, 3, 2, 122.75f)]  // x[1, 2, 3] = 123
    [InlineData(1, 0, 1, -0.25f)]   // row −1: padding
    [InlineData(1, 2, 3, -0.25f)]   // column 4: padding
    [InlineData(0, 1, 1, 0.5f)]     // channel 0: bias only
    public void Parameters_are_in_pytorch_order_and_dense_flattens_channel_major(int o, int i, int j, float expected)
    {
        var net = new LayoutProbe();
        Assert.Equal(24 + 2 + 32, LayoutProbe.ParameterCount);
        var p = new float[LayoutProbe.ParameterCount];
        p[20] = 1f;
        p[24] = 0.5f;
        p[25] = -0.25f;
        p[26 + o * 16 + i * 4 + j] = 1f;
        net.LoadParameters(p);
        var y = new float[1];
        net.Predict(LayoutInput(), y);
        Assert.Equal(expected, y[0]);
    }

    [Fact]
    public void Layout_gradients_are_in_pytorch_order()
    {
        // Same probe, dense weight on y[1, 2, 1] only, target 0: E = ½y², dE/dy = y = 111.75. The only non-zero
        // gradients: the dense weight itself (dE/dy · y[1,2,1] = y²), conv bias b[1] (dE/dy · 1), and the six conv
        // weights W[1, c, u, v] (dE/dy · x[c, 2 + u − 1, 1 + v − 1]); everything else is exactly 0.
        var net = new LayoutProbe();
        var p = new float[LayoutProbe.ParameterCount];
        p[20] = 1f; p[24] = 0.5f; p[25] = -0.25f;
        int dense = 26 + 1 * 16 + 2 * 4 + 1;
        p[dense] = 1f;
        net.LoadParameters(p);
        var g = new float[p.Length];
        float loss = net.ComputeGradients(LayoutInput(), new float[1], g);
        const float y = 111.75f;
        Assert.Equal(0.5f * y * y, loss);

        var expected = new float[p.Length];
        expected[dense] = y * y;
        expected[25] = y;
        for (int c = 0; c < 2; c++)
            for (int u = 0; u < 2; u++)
                for (int v = 0; v < 3; v++)
                    expected[((1 * 2 + c) * 2 + u) * 3 + v] = y * (100 * c + 10 * (1 + u) + v);
        // Dense weights on the other conv outputs: dE/dy · y[k] with y[0] = 0.5 and y[1, i, j] from the formula above.
        for (int k = 0; k < 32; k++)
        {
            if (26 + k == dense) continue;
            int oo = k / 16, ii = k / 4 % 4, jj = k % 4;
            float yk = oo == 0 ? 0.5f : -0.25f + (ii - 1 is >= 0 and < 3 && jj + 1 < 4 ? 100 + 10 * (ii - 1) + jj + 1 : 0);
            expected[26 + k] = y * yk;
        }
        for (int i = 0; i < p.Length; i++)
            Assert.True(Math.Abs(g[i] - expected[i]) <= 1e-6f * Math.Max(1f, Math.Abs(expected[i])),
                $"gradient[{i}] = {g[i]}, expected {expected[i]}");
    }

    [Fact]
    public void Max_pool_routes_the_gradient_to_the_first_maximum_of_a_window()
    {
        // x = [[0, 1, 2], [2, 1, 0.5]], padded by 1; kernel (w0, w1) = (1, 1) over horizontal pairs, so the [4,4] map
        // has rows 0, [0, 1, 3, 2], [2, 3, 1.5, 0.5], 0. Its maximum 3 occurs twice: first (row-major) at (1, 2), from
        // the pair (x[0,1], x[0,2]) = (1, 2), then at (2, 1), from (x[1,0], x[1,1]) = (2, 1). With target 0,
        // dE/dy = 3; the first maximum gives dE/dw = 3·(1, 2) = (3, 6), the second would give (6, 3).
        var net = new TieProbe();
        net.LoadParameters(new[] { 1f, 1f });
        var x = new[] { 0f, 1f, 2f, 2f, 1f, 0.5f };
        var y = new float[1];
        net.Predict(x, y);
        Assert.Equal(3f, y[0]);
        var g = new float[2];
        float loss = net.ComputeGradients(x, new[] { 0f }, g);
        Assert.Equal(4.5f, loss);
        Assert.Equal(new[] { 3f, 6f }, g);
    }

    private static PoolProbe IdentityPoolProbe()
    {
        var net = new PoolProbe();
        net.LoadParameters(new float[] { 1, 0, 0, 0, 1, 0, 0, 0, 1 });
        return net;
    }

    [Fact]
    public void Max_pooling_of_one_sample_takes_each_windows_maximum()
    {
        // Rows [3 −1 | 0 −0 | 7 2] and [2 5 | −4 −2 | 7 −9]: the windows' maxima are 5, 0 and 7.
        var x = new float[] { 3, -1, 0, -0f, 7, 2, 2, 5, -4, -2, 7, -9 };
        var y = new float[3];
        IdentityPoolProbe().Predict(x, y);
        Assert.Equal(new[] { 5f, 0f, 7f }, y);
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    [InlineData(6)] [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)] [InlineData(11)]
    public void Max_pooling_propagates_NaN_from_any_position_of_a_window_in_Predict_as_in_PredictBatch(int position)
    {
        // A NaN anywhere in a window makes that window's output NaN, and through the identity (0·NaN = NaN) every
        // output: Predict (one sample) and PredictBatch (blocks of samples) must agree on it.
        var x = new float[] { 3, -1, 0, 1, 7, 2, 2, 5, -4, -2, 7, -9 };
        x[position] = float.NaN;
        AssertAllOutputsNaN(IdentityPoolProbe(), x, position);
    }

    /// <summary>Every output of Predict on <paramref name="x"/>, and of PredictBatch on two copies of it, is NaN.</summary>
    private static void AssertAllOutputsNaN<TNet>(TNet net, float[] x, int position) where TNet : class, INetwork<TNet>
    {
        var y = new float[TNet.OutputSize];
        net.Predict(x, y);
        Assert.All(y, v => Assert.True(float.IsNaN(v), $"Predict gave {v} with NaN at input {position}"));
        var ys = new float[2 * TNet.OutputSize];
        net.PredictBatch(x.Concat(x).ToArray(), ys);
        Assert.All(ys, v => Assert.True(float.IsNaN(v), $"PredictBatch gave {v} with NaN at input {position}"));
    }

    private static WidePoolProbe IdentityWidePoolProbe()
    {
        var net = new WidePoolProbe();
        var identity = new float[25];
        for (int i = 0; i < 5; i++) identity[i * 6] = 1;
        net.LoadParameters(identity);
        return net;
    }

    [Fact]
    public void Max_pooling_of_one_sample_in_steps_of_four_takes_each_windows_maximum()
    {
        // Rows [3 −1 | 0 −0 | 7 2 | 8 8 | −5 −6] and [2 5 | −4 −2 | 7 −9 | 1 9 | −7 −5]: maxima 5, 0, 7, 9, −5.
        var x = new float[] { 3, -1, 0, -0f, 7, 2, 8, 8, -5, -6, 2, 5, -4, -2, 7, -9, 1, 9, -7, -5 };
        var y = new float[5];
        IdentityWidePoolProbe().Predict(x, y);
        Assert.Equal(new[] { 5f, 0f, 7f, 9f, -5f }, y);
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)] [InlineData(6)]
    [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)] [InlineData(11)] [InlineData(12)] [InlineData(13)]
    [InlineData(14)] [InlineData(15)] [InlineData(16)] [InlineData(17)] [InlineData(18)] [InlineData(19)]
    public void Max_pooling_in_steps_of_four_propagates_NaN_from_any_position(int position)
    {
        var x = new float[] { 3, -1, 0, 1, 7, 2, 8, 8, -5, -6, 2, 5, -4, -2, 7, -9, 1, 9, -7, -5 };
        x[position] = float.NaN;
        AssertAllOutputsNaN(IdentityWidePoolProbe(), x, position);
    }

    [Theory]
    [InlineData(0)] [InlineData(1)] [InlineData(2)] [InlineData(3)] [InlineData(4)] [InlineData(5)]
    [InlineData(6)] [InlineData(7)] [InlineData(8)] [InlineData(9)] [InlineData(10)] [InlineData(11)]
    public void Overlapping_max_pooling_propagates_NaN_in_Predict_as_in_PredictBatch(int position)
    {
        // Rows [1 7 3 −2], [0 4 9 5], [−6 2 8 3]: windows over columns 0–2 and 1–3, maxima 9 and 9. A NaN in a window
        // makes its output NaN, and through the identity (0·NaN = NaN) both outputs; a NaN in column 0 or 3 reaches
        // one window only but still every output.
        var x = new float[] { 1, 7, 3, -2, 0, 4, 9, 5, -6, 2, 8, 3 };
        var net = new OverlapPoolProbe();
        net.LoadParameters(new float[] { 1, 0, 0, 1 });
        var y = new float[2];
        net.Predict(x, y);
        Assert.Equal(new[] { 9f, 9f }, y);
        x[position] = float.NaN;
        AssertAllOutputsNaN(net, x, position);
    }
}
