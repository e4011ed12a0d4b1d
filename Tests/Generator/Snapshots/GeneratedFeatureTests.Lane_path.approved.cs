// The lane path: samples in vector lanes, for networks of dense layers that are not all unrolled
//
// The network:
//    [Network(Loss = Loss.SoftmaxCrossEntropy)]
//    [Input(4)]
//    [Dense(20, Activation.Tanh)]
//    [Dense(3)]
//    public partial class Net { }
//
// Members of GeneratedKernels: SoftmaxLanes, InputToLanes, LanesToOutput, LanesToRows20, Layer1ForwardLanes, Layer2ForwardLanes

        /// <summary>Logits → class probabilities for the 64 samples of [3][64] lanes, in place.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void SoftmaxLanes(ref float z)
        {
            for (int s = 0; s < 64; s += 16)
            {
                ref float zs = ref At(ref z, s);
                var max = Vector512.LoadUnsafe(ref zs);
                for (int k = 1; k < 3; k++)
                {
                    var zk = Vector512.LoadUnsafe(ref zs, (nuint)(k * 64));
                    max = Vector512.ConditionalSelect(Vector512.IsNaN(zk), zk, Vector512.MaxNative(zk, max));
                }
                var sum = Vector512<float>.Zero;
                for (int k = 0; k < 3; k++)
                {
                    var e = Vector512.Exp(Vector512.LoadUnsafe(ref zs, (nuint)(k * 64)) - max);
                    Vector512.StoreUnsafe(e, ref zs, (nuint)(k * 64));
                    sum += e;
                }
                var inverse = Vector512<float>.One / sum;
                for (int k = 0; k < 3; k++) Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref zs, (nuint)(k * 64)) * inverse, ref zs, (nuint)(k * 64));
            }
        }

        /// <summary>
        /// <paramref name="count"/> (≤ 64) samples of 4 floats at <paramref name="x"/>, row-major, into <paramref name="lanes"/>: 4 rows of
        /// 64 lanes, sample s in lane s; lanes from <paramref name="count"/> on are zero. A last group of fewer than 16 samples is
        /// copied first into <paramref name="staging"/> (16 rows), whose other rows are cleared, so no read goes past x's end.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void InputToLanes(ref float x, ref float lanes, ref float staging, int count)
        {
            for (int s = 0; s < 64; s += 16)
            {
                int n = count - s;
                ref float rows = ref staging;
                if (n >= 16) rows = ref At(ref x, s * 4);
                else
                {
                    // A last group of n < 16 samples: copied to staging, its other rows zero.
                    if (n > 0) MemoryMarshal.CreateReadOnlySpan(ref At(ref x, s * 4), n * 4).CopyTo(MemoryMarshal.CreateSpan(ref staging, n * 4));
                    else n = 0;
                    MemoryMarshal.CreateSpan(ref At(ref staging, n * 4), (16 - n) * 4).Clear();
                }
                // Inputs 0–3, one at a time.
                for (int i = 0; i < 4; i++)
                {
                    for (int k = 0; k < 16; k++) At(ref lanes, i * 64 + s + k) = At(ref rows, k * 4 + i);
                }
            }
        }

        /// <summary>
        /// The first <paramref name="count"/> lanes of <paramref name="lanes"/> (3 rows of 64) into <paramref name="y"/>: <paramref name="count"/> samples of
        /// 3 floats, row-major.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void LanesToOutput(ref float lanes, ref float y, int count)
        {
            int s = 0;
            // One float at a time (fewer than 16 outputs).
            for (; s < count; s++) for (int o = 0; o < 3; o++) At(ref y, s * 3 + o) = At(ref lanes, o * 64 + s);
        }

        /// <summary>
        /// The first <paramref name="count"/> lanes of <paramref name="lanes"/> (20 rows of 64) into <paramref name="y"/>: <paramref name="count"/> samples of
        /// 20 floats, row-major.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void LanesToRows20(ref float lanes, ref float y, int count)
        {
            int s = 0;
            // Whole groups of 16 samples, by 16 × 16 blocks.
            for (; s + 16 <= count; s += 16)
            {
                {Transpose16(ref At(ref lanes, s), 64, ref At(ref y, s * 20), 20);
}
                for (int k = 0; k < 16; k++) for (int o = 16; o < 20; o++) At(ref y, (s + k) * 20 + o) = At(ref lanes, o * 64 + s + k);
            }
            // The rest, one float at a time.
            for (; s < count; s++) for (int o = 0; o < 20; o++) At(ref y, s * 20 + o) = At(ref lanes, o * 64 + s);
        }

        /// <summary>Layer 1: dense 4 → 20, tanh, samples in lanes: x is [4][64], y is [20][64].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1ForwardLanes(ref float p, ref float x, ref float y)
        {
            ref float w = ref At(ref p, Layer1Weights);
            ref float b = ref At(ref p, Layer1Bias);
            // Tiles of 4 rows × 64 samples: 16 sums in flight, each step 4 loads of x, 4 broadcasts of W, 16 FMAs.
            for (int o = 0; o < 20; o += 4)
            {
                ref float w0 = ref At(ref w, o * 4);
                ref float w1 = ref At(ref w0, 4);
                ref float w2 = ref At(ref w0, 8);
                ref float w3 = ref At(ref w0, 12);
                Vector512<float> s0a = default, s0b = default, s0c = default, s0d = default;
                Vector512<float> s1a = default, s1b = default, s1c = default, s1d = default;
                Vector512<float> s2a = default, s2b = default, s2c = default, s2d = default;
                Vector512<float> s3a = default, s3b = default, s3c = default, s3d = default;
                for (nuint i = 0; i < 4; i++)
                {
                    ref float xi = ref Unsafe.Add(ref x, i * 64);
                    var xa = Vector512.LoadUnsafe(ref xi); var xb = Vector512.LoadUnsafe(ref xi, 16); var xc = Vector512.LoadUnsafe(ref xi, 32); var xd = Vector512.LoadUnsafe(ref xi, 48);
                    var wi = Vector512.Create(Unsafe.Add(ref w0, i));
                    s0a = Vector512.FusedMultiplyAdd(wi, xa, s0a); s0b = Vector512.FusedMultiplyAdd(wi, xb, s0b); s0c = Vector512.FusedMultiplyAdd(wi, xc, s0c); s0d = Vector512.FusedMultiplyAdd(wi, xd, s0d);
                    wi = Vector512.Create(Unsafe.Add(ref w1, i));
                    s1a = Vector512.FusedMultiplyAdd(wi, xa, s1a); s1b = Vector512.FusedMultiplyAdd(wi, xb, s1b); s1c = Vector512.FusedMultiplyAdd(wi, xc, s1c); s1d = Vector512.FusedMultiplyAdd(wi, xd, s1d);
                    wi = Vector512.Create(Unsafe.Add(ref w2, i));
                    s2a = Vector512.FusedMultiplyAdd(wi, xa, s2a); s2b = Vector512.FusedMultiplyAdd(wi, xb, s2b); s2c = Vector512.FusedMultiplyAdd(wi, xc, s2c); s2d = Vector512.FusedMultiplyAdd(wi, xd, s2d);
                    wi = Vector512.Create(Unsafe.Add(ref w3, i));
                    s3a = Vector512.FusedMultiplyAdd(wi, xa, s3a); s3b = Vector512.FusedMultiplyAdd(wi, xb, s3b); s3c = Vector512.FusedMultiplyAdd(wi, xc, s3c); s3d = Vector512.FusedMultiplyAdd(wi, xd, s3d);
                }
                // Bias added; tanh applied to the stored sums, one at a time.
                ref float y0 = ref At(ref y, o * 64);
                var b0 = Vector512.Create(At(ref b, o));
                Vector512.StoreUnsafe(s0a + b0, ref y0);
                Vector512.StoreUnsafe(s0b + b0, ref y0, 16);
                Vector512.StoreUnsafe(s0c + b0, ref y0, 32);
                Vector512.StoreUnsafe(s0d + b0, ref y0, 48);
                for (int k = 0; k < 64; k++) At(ref y0, k) = MathF.Tanh(At(ref y0, k));
                ref float y1 = ref At(ref y, (o + 1) * 64);
                var b1 = Vector512.Create(At(ref b, o + 1));
                Vector512.StoreUnsafe(s1a + b1, ref y1);
                Vector512.StoreUnsafe(s1b + b1, ref y1, 16);
                Vector512.StoreUnsafe(s1c + b1, ref y1, 32);
                Vector512.StoreUnsafe(s1d + b1, ref y1, 48);
                for (int k = 0; k < 64; k++) At(ref y1, k) = MathF.Tanh(At(ref y1, k));
                ref float y2 = ref At(ref y, (o + 2) * 64);
                var b2 = Vector512.Create(At(ref b, o + 2));
                Vector512.StoreUnsafe(s2a + b2, ref y2);
                Vector512.StoreUnsafe(s2b + b2, ref y2, 16);
                Vector512.StoreUnsafe(s2c + b2, ref y2, 32);
                Vector512.StoreUnsafe(s2d + b2, ref y2, 48);
                for (int k = 0; k < 64; k++) At(ref y2, k) = MathF.Tanh(At(ref y2, k));
                ref float y3 = ref At(ref y, (o + 3) * 64);
                var b3 = Vector512.Create(At(ref b, o + 3));
                Vector512.StoreUnsafe(s3a + b3, ref y3);
                Vector512.StoreUnsafe(s3b + b3, ref y3, 16);
                Vector512.StoreUnsafe(s3c + b3, ref y3, 32);
                Vector512.StoreUnsafe(s3d + b3, ref y3, 48);
                for (int k = 0; k < 64; k++) At(ref y3, k) = MathF.Tanh(At(ref y3, k));
            }
        }

        /// <summary>Layer 2: dense 20 → 3, identity, samples in lanes: x is [20][64], y is [3][64].</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2ForwardLanes(ref float p, ref float x, ref float y)
        {
            ref float w = ref At(ref p, Layer2Weights);
            ref float b = ref At(ref p, Layer2Bias);
            // The last 3 row(s).
            {
                ref float w0 = ref w;
                ref float w1 = ref At(ref w0, 20);
                ref float w2 = ref At(ref w0, 40);
                Vector512<float> s0a = default, s0b = default, s0c = default, s0d = default;
                Vector512<float> s1a = default, s1b = default, s1c = default, s1d = default;
                Vector512<float> s2a = default, s2b = default, s2c = default, s2d = default;
                for (nuint i = 0; i < 20; i++)
                {
                    ref float xi = ref Unsafe.Add(ref x, i * 64);
                    var xa = Vector512.LoadUnsafe(ref xi); var xb = Vector512.LoadUnsafe(ref xi, 16); var xc = Vector512.LoadUnsafe(ref xi, 32); var xd = Vector512.LoadUnsafe(ref xi, 48);
                    var wi = Vector512.Create(Unsafe.Add(ref w0, i));
                    s0a = Vector512.FusedMultiplyAdd(wi, xa, s0a); s0b = Vector512.FusedMultiplyAdd(wi, xb, s0b); s0c = Vector512.FusedMultiplyAdd(wi, xc, s0c); s0d = Vector512.FusedMultiplyAdd(wi, xd, s0d);
                    wi = Vector512.Create(Unsafe.Add(ref w1, i));
                    s1a = Vector512.FusedMultiplyAdd(wi, xa, s1a); s1b = Vector512.FusedMultiplyAdd(wi, xb, s1b); s1c = Vector512.FusedMultiplyAdd(wi, xc, s1c); s1d = Vector512.FusedMultiplyAdd(wi, xd, s1d);
                    wi = Vector512.Create(Unsafe.Add(ref w2, i));
                    s2a = Vector512.FusedMultiplyAdd(wi, xa, s2a); s2b = Vector512.FusedMultiplyAdd(wi, xb, s2b); s2c = Vector512.FusedMultiplyAdd(wi, xc, s2c); s2d = Vector512.FusedMultiplyAdd(wi, xd, s2d);
                }
                // Bias and identity on whole vectors of samples.
                ref float y0 = ref y;
                var b0 = Vector512.Create(b);
                Vector512.StoreUnsafe(s0a + b0, ref y0);
                Vector512.StoreUnsafe(s0b + b0, ref y0, 16);
                Vector512.StoreUnsafe(s0c + b0, ref y0, 32);
                Vector512.StoreUnsafe(s0d + b0, ref y0, 48);
                ref float y1 = ref At(ref y, 64);
                var b1 = Vector512.Create(At(ref b, 1));
                Vector512.StoreUnsafe(s1a + b1, ref y1);
                Vector512.StoreUnsafe(s1b + b1, ref y1, 16);
                Vector512.StoreUnsafe(s1c + b1, ref y1, 32);
                Vector512.StoreUnsafe(s1d + b1, ref y1, 48);
                ref float y2 = ref At(ref y, 128);
                var b2 = Vector512.Create(At(ref b, 2));
                Vector512.StoreUnsafe(s2a + b2, ref y2);
                Vector512.StoreUnsafe(s2b + b2, ref y2, 16);
                Vector512.StoreUnsafe(s2c + b2, ref y2, 32);
                Vector512.StoreUnsafe(s2d + b2, ref y2, 48);
            }
        }

// Calls from the network class

// in PredictBatch
                if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported && count > 48)
                {
                    // Samples in vector lanes: the chunk transposed to [input][64], each layer a product over whole vectors of
                    // samples (no horizontal sums) into one of two lane buffers in turn, the outputs transposed back.
                    ref float lanesA = ref h;
                    ref float lanesB = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref h, 256);
                    ref float staging = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref h, 1536);
                    global::NetCompiler.Generated.GeneratedKernels.InputToLanes(ref xs, ref lanesA, ref staging, count);
                    global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardLanes(ref p, ref lanesA, ref lanesB);
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardLanes(ref p, ref lanesB, ref lanesA);
                    // Logits → class probabilities, 16 samples per vector.
                    global::NetCompiler.Generated.GeneratedKernels.SoftmaxLanes(ref lanesA);
                    global::NetCompiler.Generated.GeneratedKernels.LanesToOutput(ref lanesA, ref ys, count);
                }
                else
                {
                    // Dot products, sample by sample (rows of W against rows of x).
                    ref float h1 = ref h;
                    global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref xs, ref h1, count);
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref p, ref h1, ref ys, count);
                    // Logits → class probabilities.
                    for (int s = 0; s < count; s++) global::NetCompiler.Generated.GeneratedKernels.Softmax(ref global::NetCompiler.Support.NetworkSupport.Row(ref ys, s, OutputSize));
                }

// in ComputeGradientsCore
                // Forward, layer after layer, keeping every layer's outputs for the backward pass.
                if (global::System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated && global::System.Runtime.Intrinsics.X86.Avx512F.IsSupported && count > 48)
                {
                    // Samples in vector lanes: the chunk transposed to [input][64], each layer a product over whole vectors of
                    // samples (no horizontal sums) into one of two lane buffers in turn, and its outputs transposed back for the backward pass.
                    ref float lanesA = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref ws, 4032);
                    ref float lanesB = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref ws, 4288);
                    ref float staging = ref global::System.Runtime.CompilerServices.Unsafe.Add(ref ws, 5568);
                    global::NetCompiler.Generated.GeneratedKernels.InputToLanes(ref x, ref lanesA, ref staging, count);
                    global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardLanes(ref p, ref lanesA, ref lanesB);
                    global::NetCompiler.Generated.GeneratedKernels.LanesToRows20(ref lanesB, ref a1, count);
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardLanes(ref p, ref lanesB, ref lanesA);
                    global::NetCompiler.Generated.GeneratedKernels.LanesToOutput(ref lanesA, ref a2, count);
                }
                else
                {
                    // Dot products, sample by sample (rows of W against rows of x).
                    global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref x, ref a1, count);
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref p, ref a1, ref a2, count);
                }
