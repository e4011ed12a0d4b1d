// A convolution by Winograd's F(2, 5) along its rows
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(15, 1, 6)]
//    [Conv2D(1, 1, 5)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer1Weights, Layer1Bias, Layer1ForwardBatch, Layer1WinogradWeights, Layer1ForwardBlock, Layer1BackwardBatch, Layer1WeightGradientBlock

        // Where each layer's parameters start in the flat parameter vector (canonical order: weight [out, in] row-major, then bias).
        private const int Layer1Weights = 0; // [1, 15, 1, 5]

        private const int Layer1Bias = 75; // [1]

        /// <summary>Layer 1: convolution [15, 1, 6] → [1, 1, 2], 1 filter(s) of 1×5, stride 1, padding 0, identity, forward over <paramref name="count"/> samples, block after block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1ForwardBatch(ref float p, ref float x, ref float y, int count, ref float scratch, bool blockedInput, bool blockedOutput)
        {
            int lanes = Lanes;
            ref float xPadded = ref scratch; // [15, 1, 6] × lanes
            ref float yBlock = ref At(ref scratch, 1440); // the output block when the output is row-major
            ref float wino = ref At(ref scratch, 1472); // F(2, 5): the transformed weights (U) for the call
            ref float winoWork = ref At(ref wino, 96); // a block's transformed input rows (V) and products (M)
            Layer1WinogradWeights(ref p, ref wino);
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * 90) : ref xPadded;
                if (!blockedInput) ToBlock(ref x, first, count, lanes, ref xPadded, 15, 1, 6, 0);
                ref float yb = ref blockedOutput ? ref Row(ref y, b, lanes * 2) : ref yBlock;
                Layer1ForwardBlock(ref p, ref xb, ref yb, ref wino, ref winoWork);
                if (!blockedOutput) FromBlock(ref yBlock, first, count, lanes, ref y, 2);
            }
        }

        /// <summary>Layer 1: convolution [15, 1, 6] → [1, 1, 2], 1 filter(s) of 1×5: the kernel rows transformed for F(2, 5), U[ξ, row, c, u] = Σ_v G[ξ, v]·W(row, c, u, v), W(row, c, u, v) = W[row, c, u, v] (G: points 0, 1, −1, 2, −2, ∞).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer1WinogradWeights(ref float p, ref float u)
        {
            ref float w = ref At(ref p, Layer1Weights);
            // U[ξ] holds 15 kernel rows, k = (row·15 + c)·1 + u.
            // G's rows: [1/4 0 0 0 0], −[1 1 1 1 1]/6, −[1 −1 1 −1 1]/6, [1 2 4 8 16]/24, [1 −2 4 −8 16]/24, [0 0 0 0 1] (points 0, 1, −1, 2, −2, ∞).
            for (int row = 0, k = 0; row < 1; row++)
            {
                for (int c = 0; c < 15; c++)
                {
                    for (int ky = 0; ky < 1; ky++, k++)
                    {
                        ref float g = ref At(ref w, row * 75 + c * 5 + ky * 5);
                        float g0 = g, g1 = At(ref g, 1), g2 = At(ref g, 2), g3 = At(ref g, 3), g4 = At(ref g, 4);
                        var even = g0 + g2 + g4;
                        var odd = g1 + g3;
                        var even4 = g0 + g2 * 4f + g4 * 16f;
                        var odd4 = g1 * 2f + g3 * 8f;
                        At(ref u, k) = g0 * 0.25f;
                        At(ref u, 15 + k) = (even + odd) * (-1f / 6f);
                        At(ref u, 30 + k) = (odd - even) * (1f / 6f);
                        At(ref u, 45 + k) = (even4 + odd4) * (1f / 24f);
                        At(ref u, 60 + k) = (even4 - odd4) * (1f / 24f);
                        At(ref u, 75 + k) = g4;
                    }
                }
            }
        }

        /// <summary>Layer 1: convolution [15, 1, 6] → [1, 1, 2], 1 filter(s) of 1×5: y = f(b + W ⊛ x) for one block, by Winograd's F(2, 5) along the rows (WinogradEmitter); <paramref name="u"/> holds U, <paramref name="work"/> has room for V and M.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer1ForwardBlock(ref float p, ref float xb, ref float yb, ref float u, ref float work)
        {
            ref float bias = ref At(ref p, Layer1Bias);
            ref float v = ref work; // V[c, y, ξ, t] × lanes: input rows 0–0 of each channel, transformed
            ref float m = ref At(ref work, 1440); // M[row, t, ξ] × lanes: the transformed products of one output row
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // Blocks of 16 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector512.Create(4f);
                var five = Vector512.Create(5f);
                var two = Vector512.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 96);
                    ref float vr = ref At(ref v, row * 96);
                    {
                        ref float d = ref xr;
                        var d0 = Vector512.LoadUnsafe(ref d);
                        var d1 = Vector512.LoadUnsafe(ref d, 16);
                        var d2 = Vector512.LoadUnsafe(ref d, 32);
                        var d3 = Vector512.LoadUnsafe(ref d, 48);
                        var d4 = Vector512.LoadUnsafe(ref d, 64);
                        var d5 = Vector512.LoadUnsafe(ref d, 80);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, d0, d4) - five * d2, ref o);
                        Vector512.StoreUnsafe(s43 - four * s12, ref o, 16);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, m12, m43), ref o, 32);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(two, m31, m42), ref o, 48);
                        Vector512.StoreUnsafe(m42 - two * m31, ref o, 64);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, d1, d5) - five * d3, ref o, 80);
                    }
                }
                {
                    // M[row, t, ξ] = Σ_c Σ_u U[ξ, row, c, u]·V[c, oy + u, ξ, t]: 1 row(s) × 1 piece(s) of sums in registers.
                    for (int xi = 0; xi < 6; xi++)
                    {
                        {
                            {
                                var a0_0 = Vector512<float>.Zero;
                                ref float ur = ref At(ref u, xi * 15);
                                ref float vc = ref At(ref v, xi * 16);
                                for (int c = 0; c < 15; c++)
                                {
                                    ref float v0 = ref At(ref vc, c * 96);
                                    var k0_0 = Vector512.Create(At(ref ur, c));
                                    var x0_0 = Vector512.LoadUnsafe(ref v0);
                                    a0_0 = Vector512.FusedMultiplyAdd(k0_0, x0_0, a0_0);
                                }
                                ref float mr = ref At(ref m, xi * 16);
                                Vector512.StoreUnsafe(a0_0, ref mr);
                            }
                        }
                    }
                    // y[row, oy, 2t] = Σ_ξ<5 M[ξ] and y[row, oy, 2t + 1] = M1 − M2 + 2·(M3 − M4) + M5 (Aᵀ), from the initial value, then the epilogue.
                    {
                        var b = Vector512.Create(bias);
                        ref float orow = ref yb;
                        for (int t = 0, ox = 0; t < 1; t++, ox += 2)
                        {
                            ref float mt = ref At(ref m, t * 96);
                            var m0 = Vector512.LoadUnsafe(ref mt);
                            var m1 = Vector512.LoadUnsafe(ref mt, 16);
                            var m2 = Vector512.LoadUnsafe(ref mt, 32);
                            var m3 = Vector512.LoadUnsafe(ref mt, 48);
                            var m4 = Vector512.LoadUnsafe(ref mt, 64);
                            var m5 = Vector512.LoadUnsafe(ref mt, 80);
                            var y0 = b + (m0 + (m1 + m2) + (m3 + m4));
                            var y1 = b + (Vector512.FusedMultiplyAdd(two, m3 - m4, m1 - m2) + m5);
                            Vector512.StoreUnsafe(y0, ref orow, (nuint)(ox * 16));
                            Vector512.StoreUnsafe(y1, ref orow, (nuint)(ox * 16 + 16));
                        }
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // Blocks of 8 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector256.Create(4f);
                var five = Vector256.Create(5f);
                var two = Vector256.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 48);
                    ref float vr = ref At(ref v, row * 48);
                    {
                        ref float d = ref xr;
                        var d0 = Vector256.LoadUnsafe(ref d);
                        var d1 = Vector256.LoadUnsafe(ref d, 8);
                        var d2 = Vector256.LoadUnsafe(ref d, 16);
                        var d3 = Vector256.LoadUnsafe(ref d, 24);
                        var d4 = Vector256.LoadUnsafe(ref d, 32);
                        var d5 = Vector256.LoadUnsafe(ref d, 40);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, d0, d4) - five * d2, ref o);
                        Vector256.StoreUnsafe(s43 - four * s12, ref o, 8);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, m12, m43), ref o, 16);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(two, m31, m42), ref o, 24);
                        Vector256.StoreUnsafe(m42 - two * m31, ref o, 32);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, d1, d5) - five * d3, ref o, 40);
                    }
                }
                {
                    // M[row, t, ξ] = Σ_c Σ_u U[ξ, row, c, u]·V[c, oy + u, ξ, t]: 1 row(s) × 1 piece(s) of sums in registers.
                    for (int xi = 0; xi < 6; xi++)
                    {
                        {
                            {
                                var a0_0 = Vector256<float>.Zero;
                                ref float ur = ref At(ref u, xi * 15);
                                ref float vc = ref At(ref v, xi * 8);
                                for (int c = 0; c < 15; c++)
                                {
                                    ref float v0 = ref At(ref vc, c * 48);
                                    var k0_0 = Vector256.Create(At(ref ur, c));
                                    var x0_0 = Vector256.LoadUnsafe(ref v0);
                                    a0_0 = Vector256.FusedMultiplyAdd(k0_0, x0_0, a0_0);
                                }
                                ref float mr = ref At(ref m, xi * 8);
                                Vector256.StoreUnsafe(a0_0, ref mr);
                            }
                        }
                    }
                    // y[row, oy, 2t] = Σ_ξ<5 M[ξ] and y[row, oy, 2t + 1] = M1 − M2 + 2·(M3 − M4) + M5 (Aᵀ), from the initial value, then the epilogue.
                    {
                        var b = Vector256.Create(bias);
                        ref float orow = ref yb;
                        for (int t = 0, ox = 0; t < 1; t++, ox += 2)
                        {
                            ref float mt = ref At(ref m, t * 48);
                            var m0 = Vector256.LoadUnsafe(ref mt);
                            var m1 = Vector256.LoadUnsafe(ref mt, 8);
                            var m2 = Vector256.LoadUnsafe(ref mt, 16);
                            var m3 = Vector256.LoadUnsafe(ref mt, 24);
                            var m4 = Vector256.LoadUnsafe(ref mt, 32);
                            var m5 = Vector256.LoadUnsafe(ref mt, 40);
                            var y0 = b + (m0 + (m1 + m2) + (m3 + m4));
                            var y1 = b + (Vector256.FusedMultiplyAdd(two, m3 - m4, m1 - m2) + m5);
                            Vector256.StoreUnsafe(y0, ref orow, (nuint)(ox * 8));
                            Vector256.StoreUnsafe(y1, ref orow, (nuint)(ox * 8 + 8));
                        }
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                // Blocks of 4 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector128.Create(4f);
                var five = Vector128.Create(5f);
                var two = Vector128.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 24);
                    ref float vr = ref At(ref v, row * 24);
                    {
                        ref float d = ref xr;
                        var d0 = Vector128.LoadUnsafe(ref d);
                        var d1 = Vector128.LoadUnsafe(ref d, 4);
                        var d2 = Vector128.LoadUnsafe(ref d, 8);
                        var d3 = Vector128.LoadUnsafe(ref d, 12);
                        var d4 = Vector128.LoadUnsafe(ref d, 16);
                        var d5 = Vector128.LoadUnsafe(ref d, 20);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, d0, d4) - five * d2, ref o);
                        Vector128.StoreUnsafe(s43 - four * s12, ref o, 4);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, m12, m43), ref o, 8);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(two, m31, m42), ref o, 12);
                        Vector128.StoreUnsafe(m42 - two * m31, ref o, 16);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, d1, d5) - five * d3, ref o, 20);
                    }
                }
                {
                    // M[row, t, ξ] = Σ_c Σ_u U[ξ, row, c, u]·V[c, oy + u, ξ, t]: 1 row(s) × 1 piece(s) of sums in registers.
                    for (int xi = 0; xi < 6; xi++)
                    {
                        {
                            {
                                var a0_0 = Vector128<float>.Zero;
                                ref float ur = ref At(ref u, xi * 15);
                                ref float vc = ref At(ref v, xi * 4);
                                for (int c = 0; c < 15; c++)
                                {
                                    ref float v0 = ref At(ref vc, c * 24);
                                    var k0_0 = Vector128.Create(At(ref ur, c));
                                    var x0_0 = Vector128.LoadUnsafe(ref v0);
                                    a0_0 = Vector128.MultiplyAddEstimate(k0_0, x0_0, a0_0);
                                }
                                ref float mr = ref At(ref m, xi * 4);
                                Vector128.StoreUnsafe(a0_0, ref mr);
                            }
                        }
                    }
                    // y[row, oy, 2t] = Σ_ξ<5 M[ξ] and y[row, oy, 2t + 1] = M1 − M2 + 2·(M3 − M4) + M5 (Aᵀ), from the initial value, then the epilogue.
                    {
                        var b = Vector128.Create(bias);
                        ref float orow = ref yb;
                        for (int t = 0, ox = 0; t < 1; t++, ox += 2)
                        {
                            ref float mt = ref At(ref m, t * 24);
                            var m0 = Vector128.LoadUnsafe(ref mt);
                            var m1 = Vector128.LoadUnsafe(ref mt, 4);
                            var m2 = Vector128.LoadUnsafe(ref mt, 8);
                            var m3 = Vector128.LoadUnsafe(ref mt, 12);
                            var m4 = Vector128.LoadUnsafe(ref mt, 16);
                            var m5 = Vector128.LoadUnsafe(ref mt, 20);
                            var y0 = b + (m0 + (m1 + m2) + (m3 + m4));
                            var y1 = b + (Vector128.MultiplyAddEstimate(two, m3 - m4, m1 - m2) + m5);
                            Vector128.StoreUnsafe(y0, ref orow, (nuint)(ox * 4));
                            Vector128.StoreUnsafe(y1, ref orow, (nuint)(ox * 4 + 4));
                        }
                    }
                }
            }
        }

        /// <summary>Layer 1: convolution [15, 1, 6] → [1, 1, 2], 1 filter(s) of 1×5, stride 1, padding 0, identity, backward over <paramref name="count"/> samples: ∂E/∂W and ∂E/∂b into g (added with <paramref name="accumulate"/>, written over it without).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1BackwardBatch(ref float p, ref float g, ref float x, ref float dz, int count, ref float scratch, bool blockedInput, bool blockedOutput, bool accumulate)
        {
            int lanes = Lanes;
            ref float xPadded = ref scratch; // [15, 1, 6] × lanes
            ref float dzBlock = ref At(ref scratch, 1440); // ∂E/∂z as a block when it arrives row-major
            ref float dzDilated = ref At(ref scratch, 1472); // [1, 1, 10] × lanes: ∂E/∂z spread by the stride, zero-bordered
            ref float sums = ref At(ref scratch, 1632); // [91] × lanes: per-lane sums of the F(5, 2) products M[o, c, u, ξ], then of ∂E/∂b
            ref float wino = ref At(ref sums, 1456); // a block's transformed input rows and ∂E/∂z pairs
            MemoryMarshal.CreateSpan(ref sums, lanes * 91).Clear();
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * 90) : ref xPadded;
                if (!blockedInput) ToBlock(ref x, first, count, lanes, ref xPadded, 15, 1, 6, 0);
                ref float dzb = ref blockedOutput ? ref Row(ref dz, b, lanes * 2) : ref dzBlock;
                if (!blockedOutput) ToBlock(ref dz, first, count, lanes, ref dzBlock, 2, 1, 1, 0);
                Layer1WeightGradientBlock(ref dzb, ref xb, ref sums, ref wino);
            }
            // Reduce the lanes of M, then ∂E/∂W = Aᵀ·M for each kernel row; then ∂E/∂b (added to g, or written over it on a batch's first chunk).
            ref float gl = ref At(ref g, Layer1Weights);
            Span<float> s = stackalloc float[6];
            for (int k = 0; k < 15; k++)
            {
                for (int xi = 0; xi < 6; xi++)
                {
                    ref float lane = ref At(ref sums, (k * 6 + xi) * lanes);
                    float sum = 0f;
                    for (int j = 0; j < lanes; j++) sum += At(ref lane, j);
                    s[xi] = sum;
                }
                float p12 = s[1] + s[2], m12 = s[1] - s[2], p34 = s[3] + s[4], m34 = s[3] - s[4];
                ref float gk = ref At(ref gl, 5 * k);
                float w0 = s[0] + p12 + p34, w1 = m12 + 2f * m34, w2 = p12 + 4f * p34, w3 = m12 + 8f * m34, w4 = p12 + 16f * p34 + s[5];
                if (accumulate) { gk += w0; At(ref gk, 1) += w1; At(ref gk, 2) += w2; At(ref gk, 3) += w3; At(ref gk, 4) += w4; }
                else { gk = w0; At(ref gk, 1) = w1; At(ref gk, 2) = w2; At(ref gk, 3) = w3; At(ref gk, 4) = w4; }
            }
            {
                ref float lane = ref At(ref sums, 90 * lanes);
                float sum = 0f;
                for (int j = 0; j < lanes; j++) sum += At(ref lane, j);
                ref float gb = ref At(ref gl, 75);
                gb = accumulate ? gb + sum : sum;
            }
        }

        /// <summary>Layer 1: convolution [15, 1, 6] → [1, 1, 2], 1 filter(s) of 1×5: adds the F(5, 2) products of one block, M[o, c, u, ξ] = Σ_oy Σ_t D[ξ, o, oy, t]·V[ξ, c, oy + u, t], to the per-lane sums (and Σ dz[o] to those of ∂E/∂b) (WinogradEmitter).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer1WeightGradientBlock(ref float dzb, ref float xb, ref float sums, ref float wino)
        {
            ref float v = ref wino; // V[ξ, c, y, t] × lanes: the input rows, transformed
            ref float dt = ref At(ref wino, 1440); // D[ξ, o, oy, t] × lanes: pairs of ∂E/∂z, transformed
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // Blocks of 16 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector512.Create(4f);
                var five = Vector512.Create(5f);
                var two = Vector512.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 96);
                    ref float vr = ref At(ref v, row * 16);
                    {
                        ref float d = ref xr;
                        var d0 = Vector512.LoadUnsafe(ref d);
                        var d1 = Vector512.LoadUnsafe(ref d, 16);
                        var d2 = Vector512.LoadUnsafe(ref d, 32);
                        var d3 = Vector512.LoadUnsafe(ref d, 48);
                        var d4 = Vector512.LoadUnsafe(ref d, 64);
                        var d5 = Vector512.LoadUnsafe(ref d, 80);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, d0, d4) - five * d2, ref o);
                        Vector512.StoreUnsafe(s43 - four * s12, ref o, 240);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, m12, m43), ref o, 480);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(two, m31, m42), ref o, 720);
                        Vector512.StoreUnsafe(m42 - two * m31, ref o, 960);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(four, d1, d5) - five * d3, ref o, 1200);
                    }
                }
                // D = G·(dz[2t], dz[2t + 1]) (G rows: [1/4, 0], −[1, 1]/6, −[1, −1]/6, [1, 2]/24, [1, −2]/24, [0, 1]) for every pair of every row.
                var sixth = Vector512.Create(1f / 6f);
                var twentyFourth = Vector512.Create(1f / 24f);
                {
                    ref float zr = ref dzb;
                    ref float dr = ref dt;
                    {
                        var z0 = Vector512.LoadUnsafe(ref zr);
                        var z1 = Vector512.LoadUnsafe(ref zr, 16);
                        ref float o = ref dr;
                        Vector512.StoreUnsafe(z0 * 0.25f, ref o);
                        Vector512.StoreUnsafe(-(z0 + z1) * sixth, ref o, 16);
                        Vector512.StoreUnsafe((z1 - z0) * sixth, ref o, 32);
                        Vector512.StoreUnsafe(Vector512.FusedMultiplyAdd(two, z1, z0) * twentyFourth, ref o, 48);
                        Vector512.StoreUnsafe((z0 - two * z1) * twentyFourth, ref o, 64);
                        Vector512.StoreUnsafe(z1, ref o, 80);
                    }
                }
                // M: 1 filter(s) × 1 kernel row(s) of sums in registers; for a filter, kernel row and point, D and V walk
                // the block's 1 × 1 (output row, pair) in step, one run of 1 vectors each. Per point, the filters'
                // D stays in L1 across the channels, and the point's V across the filters.
                for (int xi = 0; xi < 6; xi++)
                {
                    {
                        for (int c = 0; c < 15; c++)
                        {
                            {
                                var a0_0 = Vector512<float>.Zero;
                                ref float dr = ref At(ref dt, xi * 16);
                                ref float xr = ref At(ref v, (xi * 15 + c) * 16);
                                {
                                    var d0 = Vector512.LoadUnsafe(ref dr);
                                    var x0 = Vector512.LoadUnsafe(ref xr);
                                    a0_0 = Vector512.FusedMultiplyAdd(d0, x0, a0_0);
                                    dr = ref At(ref dr, 16);
                                    xr = ref At(ref xr, 16);
                                }
                                ref float sr = ref At(ref sums, (c * 6 + xi) * 16);
                                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sr) + a0_0, ref sr);
                            }
                        }
                    }
                }
                // ∂E/∂b[o]: Σ dz[o, :, :], four sums in flight.
                {
                    ref float dr = ref dzb;
                    var s0 = Vector512<float>.Zero;
                    var s1 = Vector512<float>.Zero;
                    var s2 = Vector512<float>.Zero;
                    var s3 = Vector512<float>.Zero;
                    s0 += Vector512.LoadUnsafe(ref dr);
                    s1 += Vector512.LoadUnsafe(ref dr, 16);
                    ref float sb = ref At(ref sums, 1440);
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // Blocks of 8 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector256.Create(4f);
                var five = Vector256.Create(5f);
                var two = Vector256.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 48);
                    ref float vr = ref At(ref v, row * 8);
                    {
                        ref float d = ref xr;
                        var d0 = Vector256.LoadUnsafe(ref d);
                        var d1 = Vector256.LoadUnsafe(ref d, 8);
                        var d2 = Vector256.LoadUnsafe(ref d, 16);
                        var d3 = Vector256.LoadUnsafe(ref d, 24);
                        var d4 = Vector256.LoadUnsafe(ref d, 32);
                        var d5 = Vector256.LoadUnsafe(ref d, 40);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, d0, d4) - five * d2, ref o);
                        Vector256.StoreUnsafe(s43 - four * s12, ref o, 120);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, m12, m43), ref o, 240);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(two, m31, m42), ref o, 360);
                        Vector256.StoreUnsafe(m42 - two * m31, ref o, 480);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(four, d1, d5) - five * d3, ref o, 600);
                    }
                }
                // D = G·(dz[2t], dz[2t + 1]) (G rows: [1/4, 0], −[1, 1]/6, −[1, −1]/6, [1, 2]/24, [1, −2]/24, [0, 1]) for every pair of every row.
                var sixth = Vector256.Create(1f / 6f);
                var twentyFourth = Vector256.Create(1f / 24f);
                {
                    ref float zr = ref dzb;
                    ref float dr = ref dt;
                    {
                        var z0 = Vector256.LoadUnsafe(ref zr);
                        var z1 = Vector256.LoadUnsafe(ref zr, 8);
                        ref float o = ref dr;
                        Vector256.StoreUnsafe(z0 * 0.25f, ref o);
                        Vector256.StoreUnsafe(-(z0 + z1) * sixth, ref o, 8);
                        Vector256.StoreUnsafe((z1 - z0) * sixth, ref o, 16);
                        Vector256.StoreUnsafe(Vector256.FusedMultiplyAdd(two, z1, z0) * twentyFourth, ref o, 24);
                        Vector256.StoreUnsafe((z0 - two * z1) * twentyFourth, ref o, 32);
                        Vector256.StoreUnsafe(z1, ref o, 40);
                    }
                }
                // M: 1 filter(s) × 1 kernel row(s) of sums in registers; for a filter, kernel row and point, D and V walk
                // the block's 1 × 1 (output row, pair) in step, one run of 1 vectors each. Per point, the filters'
                // D stays in L1 across the channels, and the point's V across the filters.
                for (int xi = 0; xi < 6; xi++)
                {
                    {
                        for (int c = 0; c < 15; c++)
                        {
                            {
                                var a0_0 = Vector256<float>.Zero;
                                ref float dr = ref At(ref dt, xi * 8);
                                ref float xr = ref At(ref v, (xi * 15 + c) * 8);
                                {
                                    var d0 = Vector256.LoadUnsafe(ref dr);
                                    var x0 = Vector256.LoadUnsafe(ref xr);
                                    a0_0 = Vector256.FusedMultiplyAdd(d0, x0, a0_0);
                                    dr = ref At(ref dr, 8);
                                    xr = ref At(ref xr, 8);
                                }
                                ref float sr = ref At(ref sums, (c * 6 + xi) * 8);
                                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sr) + a0_0, ref sr);
                            }
                        }
                    }
                }
                // ∂E/∂b[o]: Σ dz[o, :, :], four sums in flight.
                {
                    ref float dr = ref dzb;
                    var s0 = Vector256<float>.Zero;
                    var s1 = Vector256<float>.Zero;
                    var s2 = Vector256<float>.Zero;
                    var s3 = Vector256<float>.Zero;
                    s0 += Vector256.LoadUnsafe(ref dr);
                    s1 += Vector256.LoadUnsafe(ref dr, 8);
                    ref float sb = ref At(ref sums, 720);
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
            else
            {
                // portable 128-bit path.
                // Blocks of 4 samples.
                // V = Bᵀ·d for every piece d of six input columns (2t … 2t + 5) of rows 0–0 of the 15 channel(s): 1 pieces a row.
                var four = Vector128.Create(4f);
                var five = Vector128.Create(5f);
                var two = Vector128.Create(2f);
                for (int row = 0; row < 15; row++)
                {
                    ref float xr = ref At(ref xb, row * 24);
                    ref float vr = ref At(ref v, row * 4);
                    {
                        ref float d = ref xr;
                        var d0 = Vector128.LoadUnsafe(ref d);
                        var d1 = Vector128.LoadUnsafe(ref d, 4);
                        var d2 = Vector128.LoadUnsafe(ref d, 8);
                        var d3 = Vector128.LoadUnsafe(ref d, 12);
                        var d4 = Vector128.LoadUnsafe(ref d, 16);
                        var d5 = Vector128.LoadUnsafe(ref d, 20);
                        var s12 = d1 + d2;
                        var m12 = d1 - d2;
                        var s43 = d4 + d3;
                        var m43 = d4 - d3;
                        var m42 = d4 - d2;
                        var m31 = d3 - d1;
                        ref float o = ref vr;
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, d0, d4) - five * d2, ref o);
                        Vector128.StoreUnsafe(s43 - four * s12, ref o, 60);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, m12, m43), ref o, 120);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(two, m31, m42), ref o, 180);
                        Vector128.StoreUnsafe(m42 - two * m31, ref o, 240);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(four, d1, d5) - five * d3, ref o, 300);
                    }
                }
                // D = G·(dz[2t], dz[2t + 1]) (G rows: [1/4, 0], −[1, 1]/6, −[1, −1]/6, [1, 2]/24, [1, −2]/24, [0, 1]) for every pair of every row.
                var sixth = Vector128.Create(1f / 6f);
                var twentyFourth = Vector128.Create(1f / 24f);
                {
                    ref float zr = ref dzb;
                    ref float dr = ref dt;
                    {
                        var z0 = Vector128.LoadUnsafe(ref zr);
                        var z1 = Vector128.LoadUnsafe(ref zr, 4);
                        ref float o = ref dr;
                        Vector128.StoreUnsafe(z0 * 0.25f, ref o);
                        Vector128.StoreUnsafe(-(z0 + z1) * sixth, ref o, 4);
                        Vector128.StoreUnsafe((z1 - z0) * sixth, ref o, 8);
                        Vector128.StoreUnsafe(Vector128.MultiplyAddEstimate(two, z1, z0) * twentyFourth, ref o, 12);
                        Vector128.StoreUnsafe((z0 - two * z1) * twentyFourth, ref o, 16);
                        Vector128.StoreUnsafe(z1, ref o, 20);
                    }
                }
                // M: 1 filter(s) × 1 kernel row(s) of sums in registers; for a filter, kernel row and point, D and V walk
                // the block's 1 × 1 (output row, pair) in step, one run of 1 vectors each. Per point, the filters'
                // D stays in L1 across the channels, and the point's V across the filters.
                for (int xi = 0; xi < 6; xi++)
                {
                    {
                        for (int c = 0; c < 15; c++)
                        {
                            {
                                var a0_0 = Vector128<float>.Zero;
                                ref float dr = ref At(ref dt, xi * 4);
                                ref float xr = ref At(ref v, (xi * 15 + c) * 4);
                                {
                                    var d0 = Vector128.LoadUnsafe(ref dr);
                                    var x0 = Vector128.LoadUnsafe(ref xr);
                                    a0_0 = Vector128.MultiplyAddEstimate(d0, x0, a0_0);
                                    dr = ref At(ref dr, 4);
                                    xr = ref At(ref xr, 4);
                                }
                                ref float sr = ref At(ref sums, (c * 6 + xi) * 4);
                                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sr) + a0_0, ref sr);
                            }
                        }
                    }
                }
                // ∂E/∂b[o]: Σ dz[o, :, :], four sums in flight.
                {
                    ref float dr = ref dzb;
                    var s0 = Vector128<float>.Zero;
                    var s1 = Vector128<float>.Zero;
                    var s2 = Vector128<float>.Zero;
                    var s3 = Vector128<float>.Zero;
                    s0 += Vector128.LoadUnsafe(ref dr);
                    s1 += Vector128.LoadUnsafe(ref dr, 4);
                    ref float sb = ref At(ref sums, 360);
                    Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
        }

// Calls from the network class

// in PredictBatch
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref xs, ref h1, count, ref scratch, false, false);

// in ComputeGradientsCore
                // Forward, layer after layer, keeping every layer's outputs for the backward pass.
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref x, ref a1, count, ref scratch, false, false);
                global::NetCompiler.Generated.GeneratedKernels.Layer1BackwardBatch(ref p, ref g, ref x, ref dzB, count, ref scratch, false, false, start > 0);
