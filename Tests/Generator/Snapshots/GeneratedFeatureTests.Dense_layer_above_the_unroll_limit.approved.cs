// A dense layer above the full-unroll limit: vector kernels
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(2)]
//    [Dense(4, Activation.Tanh)]
//    [Dense(20, Activation.Tanh)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer2Weights, Layer2Bias, Layer2Shape, Layer2Forward, Layer2ForwardBatch, Layer2WeightGradient, Layer2InputGradient

        private const int Layer2Weights = 12; // [20, 4]

        private const int Layer2Bias = 92; // [20]

        /// <summary>Layer 2: dense 4 → 20, tanh: its shape as constants, for which the JIT compiles the runtime's dense kernels.</summary>
        private readonly struct Layer2Shape : IDenseLayer
        {
            public static int Inputs => 4;
            public static int Outputs => 20;
            public static bool Bias => true;
            public static Activation Activation => Activation.Tanh;
            public static Activation Below => Activation.Tanh;
        }

        /// <summary>Layer 2: dense 4 → 20, tanh: y = f(W·x + b) for one sample.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2Forward(ref float p, ref float x, ref float y)
        {
            ref float w = ref At(ref p, Layer2Weights);
            ref float b = ref At(ref p, Layer2Bias);
            {
                // Every path (AVX-512 and AVX2 + FMA and portable 128-bit): the same code.
                // 4-float vectors: each row of W is 1 full vector(s) of 4;
                // 4 row(s) at a time share each load of x. The epilogue adds the bias and applies f.
                for (int o = 0; o < 20; o += 4)
                {
                    ref float w0 = ref At(ref w, o * 4);
                    ref float w1 = ref At(ref w0, 4);
                    ref float w2 = ref At(ref w0, 8);
                    ref float w3 = ref At(ref w0, 12);
                    Vector128<float> s0 = default;
                    Vector128<float> s1 = default;
                    Vector128<float> s2 = default;
                    Vector128<float> s3 = default;
                    for (nuint i = 0; i < 4; i += 4)
                    {
                        var xi = Vector128.LoadUnsafe(ref x, (nuint)i);
                        s0 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w0, (nuint)i), xi, s0);
                        s1 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w1, (nuint)i), xi, s1);
                        s2 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w2, (nuint)i), xi, s2);
                        s3 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w3, (nuint)i), xi, s3);
                    }
                    float z0 = Vector128.Sum(s0);
                    float z1 = Vector128.Sum(s1);
                    float z2 = Vector128.Sum(s2);
                    float z3 = Vector128.Sum(s3);
                    At(ref y, o) = MathF.Tanh(z0 + At(ref b, o));
                    At(ref y, o + 1) = MathF.Tanh(z1 + At(ref b, o + 1));
                    At(ref y, o + 2) = MathF.Tanh(z2 + At(ref b, o + 2));
                    At(ref y, o + 3) = MathF.Tanh(z3 + At(ref b, o + 3));
                }
            }
        }

        /// <summary>Layer 2: dense 4 → 20, tanh: y = f(W·x + b) for <paramref name="batch"/> samples stored row-major.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2ForwardBatch(ref float p, ref float x, ref float y, int batch)
        {
            ref float w = ref At(ref p, Layer2Weights);
            ref float b = ref At(ref p, Layer2Bias);
            // Register tiles of rows of W × samples; the tiles' shapes are the runtime's rules for each path.
            {
                // Every path (AVX-512 and AVX2 + FMA and portable 128-bit): the same code.
                DenseKernels.ForwardBatch<PortablePath, Vector128<float>, Layer2Shape>(ref w, ref b, ref x, ref y, batch, 0, 20);
            }
        }

        /// <summary>
        /// Layer 2: dense 4 → 20, tanh: ∂E/∂W = Σ_s dz[s]·x[s]ᵀ and ∂E/∂b = Σ_s dz[s] over <paramref name="batch"/> samples,
        /// added to g with <paramref name="accumulate"/>, written over it without (a batch's first chunk: g is not cleared beforehand).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2WeightGradient(ref float g, ref float x, ref float dz, int batch, bool accumulate)
        {
            ref float gw = ref At(ref g, Layer2Weights);
            ref float gb = ref At(ref g, Layer2Bias);
            // ∂E/∂b summed in registers over the batch; ∂E/∂W in register tiles of rows × columns, each read and written once per batch.
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                DenseKernels.BiasGradient<Avx512Path, Vector512<float>, Layer2Shape>(ref gb, ref dz, batch, accumulate, 0, 20);
                DenseKernels.WeightGradient<PortablePath, Vector128<float>, Layer2Shape>(ref gw, ref x, ref dz, batch, accumulate, 0, 20);
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                DenseKernels.BiasGradient<Avx2Path, Vector256<float>, Layer2Shape>(ref gb, ref dz, batch, accumulate, 0, 20);
                DenseKernels.WeightGradient<PortablePath, Vector128<float>, Layer2Shape>(ref gw, ref x, ref dz, batch, accumulate, 0, 20);
            }
            else
            {
                // portable 128-bit path.
                DenseKernels.BiasGradient<PortablePath, Vector128<float>, Layer2Shape>(ref gb, ref dz, batch, accumulate, 0, 20);
                DenseKernels.WeightGradient<PortablePath, Vector128<float>, Layer2Shape>(ref gw, ref x, ref dz, batch, accumulate, 0, 20);
            }
        }

        /// <summary>Layer 2: dense 4 → 20, tanh, backward over <paramref name="batch"/> samples stored row-major: given dz = ∂E/∂z,
        /// writes ∂E/∂z of layer 1 = f′ (its tanh) · Wᵀ·dz to dzBelow, the derivative applied in the same pass.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2InputGradient(ref float p, ref float x, ref float dz, ref float dzBelow, int batch)
        {
            ref float w = ref At(ref p, Layer2Weights);
            // Register tiles of samples × inputs, summed over the rows of W; the tiles' shapes are the runtime's rules for each path.
            {
                // Every path (AVX-512 and AVX2 + FMA and portable 128-bit): the same code.
                DenseKernels.InputGradient<PortablePath, Vector128<float>, Layer2Shape>(ref w, ref x, ref dz, ref dzBelow, batch);
            }
        }

// Calls from the network class

// in PredictBatch
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref p, ref h1, ref h2, count);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.Layer2Forward(ref p, ref h1, ref h2);

// in ComputeGradientsCore
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref p, ref a1, ref a2, count);
                global::NetCompiler.Generated.GeneratedKernels.Layer2WeightGradient(ref g, ref a1, ref dzB, count, start > 0);
                global::NetCompiler.Generated.GeneratedKernels.Layer2InputGradient(ref p, ref a1, ref dzB, ref dzA, count);
