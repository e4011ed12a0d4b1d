using System;
using NetCompiler.Samples.LeNet5;

namespace NetCompiler.Benchmarks;

/// <summary>
/// LeNet-5's shapes restated for the peers, its parameter offsets in the canonical (PyTorch <c>state_dict</c>) order —
/// conv weight [out, in, kh, kw] then bias, dense weight [out, in] then bias — and what one sample costs.
/// </summary>
public static class LeNetSpec
{
    public const string Name = "LeNet-5";

    /// <summary>The text of Samples/LeNet5/LeNet5Network.cs, LeNet-5's one declaration (compiled into this project too).</summary>
    public static string Declaration { get; } = ReadDeclaration();

    private static string ReadDeclaration()
    {
        using var stream = typeof(LeNetSpec).Assembly.GetManifestResourceStream("LeNet5Network.cs")
            ?? throw new InvalidOperationException("The embedded resource LeNet5Network.cs is missing.");
        using var reader = new System.IO.StreamReader(stream);
        return reader.ReadToEnd();
    }
    public const int InputSize = 28 * 28, OutputSize = 10;

    // C1: 1 → 6 channels, 5×5, padding 2, 28×28 → 28×28. S2: 2×2 max → 14×14.
    public const int C1In = 1, C1Out = 6, K = 5, C1Pad = 2, C1Size = 28, S2Size = 14;
    // C3: 6 → 16 channels, 5×5, no padding, 14×14 → 10×10. S4: 2×2 max → 5×5.
    public const int C3In = 6, C3Out = 16, C3Size = 10, S4Size = 5;
    public const int F5In = C3Out * S4Size * S4Size, F5Out = 120, F6Out = 84;

    public const int C1W = 0, C1B = C1W + C1Out * C1In * K * K;
    public const int C3W = C1B + C1Out, C3B = C3W + C3Out * C3In * K * K;
    public const int F5W = C3B + C3Out, F5B = F5W + F5Out * F5In;
    public const int F6W = F5B + F5Out, F6B = F6W + F6Out * F5Out;
    public const int F7W = F6B + F6Out, F7B = F7W + OutputSize * F6Out;
    public const int ParameterCount = F7B + OutputSize;

    /// <summary>Multiply-adds of one forward pass, layer by layer (conv: outputs × in-channels × 5 × 5, exact with the padding
    /// counted as the zeros it multiplies, as every peer here does), in the order C1, C3, F5, F6, F7.</summary>
    public static readonly long[] LayerMacs =
    [
        (long)C1Out * C1Size * C1Size * C1In * K * K,     // 117,600
        (long)C3Out * C3Size * C3Size * C3In * K * K,     // 240,000
        (long)F5Out * F5In,                               // 48,000
        (long)F6Out * F5Out,                              // 10,080
        (long)OutputSize * F6Out,                         // 840
    ];

    /// <summary>FLOPs of one sample's forward pass: 2 per multiply-add (pooling, ReLU and softmax not counted).</summary>
    public static long ForwardFlops { get { long m = 0; foreach (long l in LayerMacs) m += l; return 2 * m; } }

    /// <summary>FLOPs of one sample's forward + backward pass: forward, ∂E/∂W for every layer (as many multiply-adds
    /// as its forward), ∂E/∂x for all but the first layer.</summary>
    public static long TrainingFlops
    {
        get
        {
            long m = 0;
            for (int l = 0; l < LayerMacs.Length; l++) m += LayerMacs[l] * (l == 0 ? 2 : 3);
            return 2 * m;
        }
    }

    public static long ParameterBytes => 4L * ParameterCount;

    private static Loss LossOf<TNet>() where TNet : class, INetwork<TNet> => TNet.Loss;

    /// <summary>Throws unless the generated network agrees with this restatement of it.</summary>
    public static void Check()
    {
        if (LeNet5.ParameterCount != ParameterCount || LeNet5.InputSize != InputSize || LeNet5.OutputSize != OutputSize
            || LossOf<LeNet5>() != Loss.SoftmaxCrossEntropy)
            throw new InvalidOperationException($"The benchmark's spec of LeNet-5 disagrees with the generated {LeNet5.Architecture}.");
    }
}
