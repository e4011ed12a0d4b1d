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
// Members of GeneratedKernels: Layer2Weights, Layer2Bias, Layer2Forward, Layer2ForwardBatch, Layer2WeightGradient, Layer2InputGradient

        private const int Layer2Weights = 12; // [20, 4]

        private const int Layer2Bias = 92; // [20]

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
            {
                // Every path (AVX-512 and AVX2 + FMA and portable 128-bit): the same code.
                // 4-float vectors; register tiles of 4 rows of W × 3 samples (12 dot products in flight).
                for (int o = 0; o < 20; o += 4)
                {
                    int sample = 0;
                    // Tiles of 3 samples, then of 2: one sample alone keeps only 4 dot products in flight, too few to
                    // cover the FMA latency, so a remainder of one takes the last four samples as two tiles of two.
                    int tiled = batch % 3 == 1 && batch > 3 ? batch - 4 : batch;
                    for (; sample + 3 <= tiled; sample += 3)
                    {
                        ref float xa = ref At(ref x, sample * 4);
                        ref float xb = ref At(ref xa, 4);
                        ref float xc = ref At(ref xa, 8);
                        ref float ya = ref At(ref y, sample * 20);
                        ref float yb = ref At(ref ya, 20);
                        ref float yc = ref At(ref ya, 40);
                        ref float w0 = ref At(ref w, o * 4);
                        ref float w1 = ref At(ref w0, 4);
                        ref float w2 = ref At(ref w0, 8);
                        ref float w3 = ref At(ref w0, 12);
                        Vector128<float> s0a = default, s0b = default, s0c = default;
                        Vector128<float> s1a = default, s1b = default, s1c = default;
                        Vector128<float> s2a = default, s2b = default, s2c = default;
                        Vector128<float> s3a = default, s3b = default, s3c = default;
                        for (nuint i = 0; i < 4; i += 4)
                        {
                            var xai = Vector128.LoadUnsafe(ref xa, (nuint)i);
                            var xbi = Vector128.LoadUnsafe(ref xb, (nuint)i);
                            var xci = Vector128.LoadUnsafe(ref xc, (nuint)i);
                            var w0i = Vector128.LoadUnsafe(ref w0, (nuint)i);
                            s0a = Vector128.MultiplyAddEstimate(w0i, xai, s0a);
                            s0b = Vector128.MultiplyAddEstimate(w0i, xbi, s0b);
                            s0c = Vector128.MultiplyAddEstimate(w0i, xci, s0c);
                            var w1i = Vector128.LoadUnsafe(ref w1, (nuint)i);
                            s1a = Vector128.MultiplyAddEstimate(w1i, xai, s1a);
                            s1b = Vector128.MultiplyAddEstimate(w1i, xbi, s1b);
                            s1c = Vector128.MultiplyAddEstimate(w1i, xci, s1c);
                            var w2i = Vector128.LoadUnsafe(ref w2, (nuint)i);
                            s2a = Vector128.MultiplyAddEstimate(w2i, xai, s2a);
                            s2b = Vector128.MultiplyAddEstimate(w2i, xbi, s2b);
                            s2c = Vector128.MultiplyAddEstimate(w2i, xci, s2c);
                            var w3i = Vector128.LoadUnsafe(ref w3, (nuint)i);
                            s3a = Vector128.MultiplyAddEstimate(w3i, xai, s3a);
                            s3b = Vector128.MultiplyAddEstimate(w3i, xbi, s3b);
                            s3c = Vector128.MultiplyAddEstimate(w3i, xci, s3c);
                        }
                        float z0a = Vector128.Sum(s0a);
                        float z0b = Vector128.Sum(s0b);
                        float z0c = Vector128.Sum(s0c);
                        float z1a = Vector128.Sum(s1a);
                        float z1b = Vector128.Sum(s1b);
                        float z1c = Vector128.Sum(s1c);
                        float z2a = Vector128.Sum(s2a);
                        float z2b = Vector128.Sum(s2b);
                        float z2c = Vector128.Sum(s2c);
                        float z3a = Vector128.Sum(s3a);
                        float z3b = Vector128.Sum(s3b);
                        float z3c = Vector128.Sum(s3c);
                        At(ref ya, o) = MathF.Tanh(z0a + At(ref b, o));
                        At(ref ya, o + 1) = MathF.Tanh(z1a + At(ref b, o + 1));
                        At(ref ya, o + 2) = MathF.Tanh(z2a + At(ref b, o + 2));
                        At(ref ya, o + 3) = MathF.Tanh(z3a + At(ref b, o + 3));
                        At(ref yb, o) = MathF.Tanh(z0b + At(ref b, o));
                        At(ref yb, o + 1) = MathF.Tanh(z1b + At(ref b, o + 1));
                        At(ref yb, o + 2) = MathF.Tanh(z2b + At(ref b, o + 2));
                        At(ref yb, o + 3) = MathF.Tanh(z3b + At(ref b, o + 3));
                        At(ref yc, o) = MathF.Tanh(z0c + At(ref b, o));
                        At(ref yc, o + 1) = MathF.Tanh(z1c + At(ref b, o + 1));
                        At(ref yc, o + 2) = MathF.Tanh(z2c + At(ref b, o + 2));
                        At(ref yc, o + 3) = MathF.Tanh(z3c + At(ref b, o + 3));
                    }
                    for (; sample + 2 <= batch; sample += 2)
                    {
                        ref float xa = ref At(ref x, sample * 4);
                        ref float xb = ref At(ref xa, 4);
                        ref float ya = ref At(ref y, sample * 20);
                        ref float yb = ref At(ref ya, 20);
                        ref float w0 = ref At(ref w, o * 4);
                        ref float w1 = ref At(ref w0, 4);
                        ref float w2 = ref At(ref w0, 8);
                        ref float w3 = ref At(ref w0, 12);
                        Vector128<float> s0a = default, s0b = default;
                        Vector128<float> s1a = default, s1b = default;
                        Vector128<float> s2a = default, s2b = default;
                        Vector128<float> s3a = default, s3b = default;
                        for (nuint i = 0; i < 4; i += 4)
                        {
                            var xai = Vector128.LoadUnsafe(ref xa, (nuint)i);
                            var xbi = Vector128.LoadUnsafe(ref xb, (nuint)i);
                            var w0i = Vector128.LoadUnsafe(ref w0, (nuint)i);
                            s0a = Vector128.MultiplyAddEstimate(w0i, xai, s0a);
                            s0b = Vector128.MultiplyAddEstimate(w0i, xbi, s0b);
                            var w1i = Vector128.LoadUnsafe(ref w1, (nuint)i);
                            s1a = Vector128.MultiplyAddEstimate(w1i, xai, s1a);
                            s1b = Vector128.MultiplyAddEstimate(w1i, xbi, s1b);
                            var w2i = Vector128.LoadUnsafe(ref w2, (nuint)i);
                            s2a = Vector128.MultiplyAddEstimate(w2i, xai, s2a);
                            s2b = Vector128.MultiplyAddEstimate(w2i, xbi, s2b);
                            var w3i = Vector128.LoadUnsafe(ref w3, (nuint)i);
                            s3a = Vector128.MultiplyAddEstimate(w3i, xai, s3a);
                            s3b = Vector128.MultiplyAddEstimate(w3i, xbi, s3b);
                        }
                        float z0a = Vector128.Sum(s0a);
                        float z0b = Vector128.Sum(s0b);
                        float z1a = Vector128.Sum(s1a);
                        float z1b = Vector128.Sum(s1b);
                        float z2a = Vector128.Sum(s2a);
                        float z2b = Vector128.Sum(s2b);
                        float z3a = Vector128.Sum(s3a);
                        float z3b = Vector128.Sum(s3b);
                        At(ref ya, o) = MathF.Tanh(z0a + At(ref b, o));
                        At(ref ya, o + 1) = MathF.Tanh(z1a + At(ref b, o + 1));
                        At(ref ya, o + 2) = MathF.Tanh(z2a + At(ref b, o + 2));
                        At(ref ya, o + 3) = MathF.Tanh(z3a + At(ref b, o + 3));
                        At(ref yb, o) = MathF.Tanh(z0b + At(ref b, o));
                        At(ref yb, o + 1) = MathF.Tanh(z1b + At(ref b, o + 1));
                        At(ref yb, o + 2) = MathF.Tanh(z2b + At(ref b, o + 2));
                        At(ref yb, o + 3) = MathF.Tanh(z3b + At(ref b, o + 3));
                    }
                    // A batch of one.
                    for (; sample < batch; sample++)
                    {
                        ref float xs = ref At(ref x, sample * 4);
                        ref float ys = ref At(ref y, sample * 20);
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
                            var xi = Vector128.LoadUnsafe(ref xs, (nuint)i);
                            s0 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w0, (nuint)i), xi, s0);
                            s1 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w1, (nuint)i), xi, s1);
                            s2 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w2, (nuint)i), xi, s2);
                            s3 = Vector128.MultiplyAddEstimate(Vector128.LoadUnsafe(ref w3, (nuint)i), xi, s3);
                        }
                        float z0 = Vector128.Sum(s0);
                        float z1 = Vector128.Sum(s1);
                        float z2 = Vector128.Sum(s2);
                        float z3 = Vector128.Sum(s3);
                        At(ref ys, o) = MathF.Tanh(z0 + At(ref b, o));
                        At(ref ys, o + 1) = MathF.Tanh(z1 + At(ref b, o + 1));
                        At(ref ys, o + 2) = MathF.Tanh(z2 + At(ref b, o + 2));
                        At(ref ys, o + 3) = MathF.Tanh(z3 + At(ref b, o + 3));
                    }
                }
            }
        }

        /// <summary>
        /// Layer 2: dense 4 → 20, tanh: ∂E/∂W = Σ_s dz[s]·x[s]ᵀ and ∂E/∂b = Σ_s dz[s] over <paramref name="batch"/> samples,
        /// added to g with <paramref name="accumulate"/>, written over it without (a batch's first chunk: g is not cleared beforehand).
        /// The tiles of ∂E/∂W then start from zero instead of loading g, loads that would miss the caches and stall every tile.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2WeightGradient(ref float g, ref float x, ref float dz, int batch, bool accumulate)
        {
            ref float gw = ref At(ref g, Layer2Weights);
            ref float gb = ref At(ref g, Layer2Bias);
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // ∂E/∂b = Σ_s dz[s], summed in registers: 4 vectors of outputs at a time, then one, then single outputs.
                int ob = 0;
                for (; ob + 16 <= 20; ob += 16)
                {
                    var b0 = accumulate ? Vector512.LoadUnsafe(ref gb, (nuint)ob) : Vector512<float>.Zero;
                    ref float ds = ref At(ref dz, ob);
                    for (int sample = 0; sample < batch; sample++)
                    {
                        b0 += Vector512.LoadUnsafe(ref ds);
                        ds = ref At(ref ds, 20);
                    }
                    Vector512.StoreUnsafe(b0, ref gb, (nuint)ob);
                }
                for (; ob < 20; ob++)
                {
                    float t = accumulate ? At(ref gb, ob) : 0f;
                    for (int sample = 0; sample < batch; sample++) t += At(ref dz, sample * 20 + ob);
                    At(ref gb, ob) = t;
                }
                // 4-float vectors: a tile of 4 rows × 3×4 columns of ∂E/∂W stays in registers while the whole
                // batch is added into it, so the gradient is read and written once per batch. Column blocks are the outer loop:
                // the batch's slice of x for one block stays in L1 while every row block uses it.
                // The remaining 1 full vector(s) of columns, as one block.
                {
                    for (int o = 0; o < 20; o += 4)
                    {
                        ref float g0 = ref At(ref gw, o * 4);
                        ref float g1 = ref At(ref g0, 4);
                        ref float g2 = ref At(ref g0, 8);
                        ref float g3 = ref At(ref g0, 12);
                        var a00 = accumulate ? Vector128.LoadUnsafe(ref g0) : Vector128<float>.Zero;
                        var a10 = accumulate ? Vector128.LoadUnsafe(ref g1) : Vector128<float>.Zero;
                        var a20 = accumulate ? Vector128.LoadUnsafe(ref g2) : Vector128<float>.Zero;
                        var a30 = accumulate ? Vector128.LoadUnsafe(ref g3) : Vector128<float>.Zero;
                        ref float xs = ref x;
                        ref float ds = ref At(ref dz, o);
                        for (int sample = 0; sample < batch; sample++)
                        {
                            var x0 = Vector128.LoadUnsafe(ref xs);
                            var d0 = Vector128.Create(ds);
                            a00 = Vector128.MultiplyAddEstimate(d0, x0, a00);
                            var d1 = Vector128.Create(At(ref ds, 1));
                            a10 = Vector128.MultiplyAddEstimate(d1, x0, a10);
                            var d2 = Vector128.Create(At(ref ds, 2));
                            a20 = Vector128.MultiplyAddEstimate(d2, x0, a20);
                            var d3 = Vector128.Create(At(ref ds, 3));
                            a30 = Vector128.MultiplyAddEstimate(d3, x0, a30);
                            xs = ref At(ref xs, 4);
                            ds = ref At(ref ds, 20);
                        }
                        Vector128.StoreUnsafe(a00, ref g0);
                        Vector128.StoreUnsafe(a10, ref g1);
                        Vector128.StoreUnsafe(a20, ref g2);
                        Vector128.StoreUnsafe(a30, ref g3);
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // ∂E/∂b = Σ_s dz[s], summed in registers: 4 vectors of outputs at a time, then one, then single outputs.
                int ob = 0;
                for (; ob + 8 <= 20; ob += 8)
                {
                    var b0 = accumulate ? Vector256.LoadUnsafe(ref gb, (nuint)ob) : Vector256<float>.Zero;
                    ref float ds = ref At(ref dz, ob);
                    for (int sample = 0; sample < batch; sample++)
                    {
                        b0 += Vector256.LoadUnsafe(ref ds);
                        ds = ref At(ref ds, 20);
                    }
                    Vector256.StoreUnsafe(b0, ref gb, (nuint)ob);
                }
                for (; ob < 20; ob++)
                {
                    float t = accumulate ? At(ref gb, ob) : 0f;
                    for (int sample = 0; sample < batch; sample++) t += At(ref dz, sample * 20 + ob);
                    At(ref gb, ob) = t;
                }
                // 4-float vectors: a tile of 4 rows × 3×4 columns of ∂E/∂W stays in registers while the whole
                // batch is added into it, so the gradient is read and written once per batch. Column blocks are the outer loop:
                // the batch's slice of x for one block stays in L1 while every row block uses it.
                // The remaining 1 full vector(s) of columns, as one block.
                {
                    for (int o = 0; o < 20; o += 4)
                    {
                        ref float g0 = ref At(ref gw, o * 4);
                        ref float g1 = ref At(ref g0, 4);
                        ref float g2 = ref At(ref g0, 8);
                        ref float g3 = ref At(ref g0, 12);
                        var a00 = accumulate ? Vector128.LoadUnsafe(ref g0) : Vector128<float>.Zero;
                        var a10 = accumulate ? Vector128.LoadUnsafe(ref g1) : Vector128<float>.Zero;
                        var a20 = accumulate ? Vector128.LoadUnsafe(ref g2) : Vector128<float>.Zero;
                        var a30 = accumulate ? Vector128.LoadUnsafe(ref g3) : Vector128<float>.Zero;
                        ref float xs = ref x;
                        ref float ds = ref At(ref dz, o);
                        for (int sample = 0; sample < batch; sample++)
                        {
                            var x0 = Vector128.LoadUnsafe(ref xs);
                            var d0 = Vector128.Create(ds);
                            a00 = Vector128.MultiplyAddEstimate(d0, x0, a00);
                            var d1 = Vector128.Create(At(ref ds, 1));
                            a10 = Vector128.MultiplyAddEstimate(d1, x0, a10);
                            var d2 = Vector128.Create(At(ref ds, 2));
                            a20 = Vector128.MultiplyAddEstimate(d2, x0, a20);
                            var d3 = Vector128.Create(At(ref ds, 3));
                            a30 = Vector128.MultiplyAddEstimate(d3, x0, a30);
                            xs = ref At(ref xs, 4);
                            ds = ref At(ref ds, 20);
                        }
                        Vector128.StoreUnsafe(a00, ref g0);
                        Vector128.StoreUnsafe(a10, ref g1);
                        Vector128.StoreUnsafe(a20, ref g2);
                        Vector128.StoreUnsafe(a30, ref g3);
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                // ∂E/∂b = Σ_s dz[s], summed in registers: 4 vectors of outputs at a time, then one, then single outputs.
                int ob = 0;
                for (; ob + 16 <= 20; ob += 16)
                {
                    var b0 = accumulate ? Vector128.LoadUnsafe(ref gb, (nuint)ob) : Vector128<float>.Zero;
                    var b1 = accumulate ? Vector128.LoadUnsafe(ref gb, (nuint)(ob + 4)) : Vector128<float>.Zero;
                    var b2 = accumulate ? Vector128.LoadUnsafe(ref gb, (nuint)(ob + 8)) : Vector128<float>.Zero;
                    var b3 = accumulate ? Vector128.LoadUnsafe(ref gb, (nuint)(ob + 12)) : Vector128<float>.Zero;
                    ref float ds = ref At(ref dz, ob);
                    for (int sample = 0; sample < batch; sample++)
                    {
                        b0 += Vector128.LoadUnsafe(ref ds);
                        b1 += Vector128.LoadUnsafe(ref ds, 4);
                        b2 += Vector128.LoadUnsafe(ref ds, 8);
                        b3 += Vector128.LoadUnsafe(ref ds, 12);
                        ds = ref At(ref ds, 20);
                    }
                    Vector128.StoreUnsafe(b0, ref gb, (nuint)ob);
                    Vector128.StoreUnsafe(b1, ref gb, (nuint)(ob + 4));
                    Vector128.StoreUnsafe(b2, ref gb, (nuint)(ob + 8));
                    Vector128.StoreUnsafe(b3, ref gb, (nuint)(ob + 12));
                }
                for (; ob + 4 <= 20; ob += 4)
                {
                    var b0 = accumulate ? Vector128.LoadUnsafe(ref gb, (nuint)ob) : Vector128<float>.Zero;
                    ref float ds = ref At(ref dz, ob);
                    for (int sample = 0; sample < batch; sample++)
                    {
                        b0 += Vector128.LoadUnsafe(ref ds);
                        ds = ref At(ref ds, 20);
                    }
                    Vector128.StoreUnsafe(b0, ref gb, (nuint)ob);
                }
                // 4-float vectors: a tile of 4 rows × 3×4 columns of ∂E/∂W stays in registers while the whole
                // batch is added into it, so the gradient is read and written once per batch. Column blocks are the outer loop:
                // the batch's slice of x for one block stays in L1 while every row block uses it.
                // The remaining 1 full vector(s) of columns, as one block.
                {
                    for (int o = 0; o < 20; o += 4)
                    {
                        ref float g0 = ref At(ref gw, o * 4);
                        ref float g1 = ref At(ref g0, 4);
                        ref float g2 = ref At(ref g0, 8);
                        ref float g3 = ref At(ref g0, 12);
                        var a00 = accumulate ? Vector128.LoadUnsafe(ref g0) : Vector128<float>.Zero;
                        var a10 = accumulate ? Vector128.LoadUnsafe(ref g1) : Vector128<float>.Zero;
                        var a20 = accumulate ? Vector128.LoadUnsafe(ref g2) : Vector128<float>.Zero;
                        var a30 = accumulate ? Vector128.LoadUnsafe(ref g3) : Vector128<float>.Zero;
                        ref float xs = ref x;
                        ref float ds = ref At(ref dz, o);
                        for (int sample = 0; sample < batch; sample++)
                        {
                            var x0 = Vector128.LoadUnsafe(ref xs);
                            var d0 = Vector128.Create(ds);
                            a00 = Vector128.MultiplyAddEstimate(d0, x0, a00);
                            var d1 = Vector128.Create(At(ref ds, 1));
                            a10 = Vector128.MultiplyAddEstimate(d1, x0, a10);
                            var d2 = Vector128.Create(At(ref ds, 2));
                            a20 = Vector128.MultiplyAddEstimate(d2, x0, a20);
                            var d3 = Vector128.Create(At(ref ds, 3));
                            a30 = Vector128.MultiplyAddEstimate(d3, x0, a30);
                            xs = ref At(ref xs, 4);
                            ds = ref At(ref ds, 20);
                        }
                        Vector128.StoreUnsafe(a00, ref g0);
                        Vector128.StoreUnsafe(a10, ref g1);
                        Vector128.StoreUnsafe(a20, ref g2);
                        Vector128.StoreUnsafe(a30, ref g3);
                    }
                }
            }
        }

        /// <summary>Layer 2: dense 4 → 20, tanh, backward over <paramref name="batch"/> samples stored row-major: given dz = ∂E/∂z,
        /// writes ∂E/∂z of layer 1 = f′ (its tanh) · Wᵀ·dz to dzBelow, the derivative applied in the same pass.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2InputGradient(ref float p, ref float x, ref float dz, ref float dzBelow, int batch)
        {
            ref float w = ref At(ref p, Layer2Weights);
            {
                // Every path (AVX-512 and AVX2 + FMA and portable 128-bit): the same code.
                // 4-float vectors: the inputs in blocks of 3×4; for each block, tiles of 3 samples × the block
                // accumulate Wᵀ·dz over the 20 rows of W in registers, then apply f′ of the layer below.
                // The remaining 1 full vector(s) of inputs, as one block.
                {
                    int sample = 0;
                    for (; sample + 3 <= batch; sample += 3)
                    {
                        Vector128<float> a00 = default;
                        Vector128<float> a10 = default;
                        Vector128<float> a20 = default;
                        ref float wo = ref w;
                        ref float dzo = ref At(ref dz, sample * 20);
                        for (int o = 0; o < 20; o++)
                        {
                            var w0 = Vector128.LoadUnsafe(ref wo);
                            var d0 = Vector128.Create(dzo);
                            a00 = Vector128.MultiplyAddEstimate(w0, d0, a00);
                            var d1 = Vector128.Create(At(ref dzo, 20));
                            a10 = Vector128.MultiplyAddEstimate(w0, d1, a10);
                            var d2 = Vector128.Create(At(ref dzo, 40));
                            a20 = Vector128.MultiplyAddEstimate(w0, d2, a20);
                            wo = ref At(ref wo, 4);
                            dzo = ref At(ref dzo, 1);
                        }
                        ref float x0 = ref At(ref x, sample * 4);
                        ref float b0 = ref At(ref dzBelow, sample * 4);
                        Vector128.StoreUnsafe((a00 * (Vector128<float>.One - Vector128.LoadUnsafe(ref x0) * Vector128.LoadUnsafe(ref x0))), ref b0);
                        ref float x1 = ref At(ref x, (sample + 1) * 4);
                        ref float b1 = ref At(ref dzBelow, (sample + 1) * 4);
                        Vector128.StoreUnsafe((a10 * (Vector128<float>.One - Vector128.LoadUnsafe(ref x1) * Vector128.LoadUnsafe(ref x1))), ref b1);
                        ref float x2 = ref At(ref x, (sample + 2) * 4);
                        ref float b2 = ref At(ref dzBelow, (sample + 2) * 4);
                        Vector128.StoreUnsafe((a20 * (Vector128<float>.One - Vector128.LoadUnsafe(ref x2) * Vector128.LoadUnsafe(ref x2))), ref b2);
                    }
                    for (; sample < batch; sample++)
                    {
                        Vector128<float> a00 = default;
                        ref float wo = ref w;
                        ref float dzo = ref At(ref dz, sample * 20);
                        for (int o = 0; o < 20; o++)
                        {
                            var w0 = Vector128.LoadUnsafe(ref wo);
                            var d0 = Vector128.Create(dzo);
                            a00 = Vector128.MultiplyAddEstimate(w0, d0, a00);
                            wo = ref At(ref wo, 4);
                            dzo = ref At(ref dzo, 1);
                        }
                        ref float x0 = ref At(ref x, sample * 4);
                        ref float b0 = ref At(ref dzBelow, sample * 4);
                        Vector128.StoreUnsafe((a00 * (Vector128<float>.One - Vector128.LoadUnsafe(ref x0) * Vector128.LoadUnsafe(ref x0))), ref b0);
                    }
                }
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
