// A direct convolution: 3×3 kernels, stride 1
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(1, 4, 4)]
//    [Conv2D(1, 3, Activation.ReLU)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer1Weights, Layer1Bias, Layer1Forward, Layer1ForwardBatch, Layer1ForwardBlock, Layer1BackwardBatch, Layer1WeightGradientBlock

        // Where each layer's parameters start in the flat parameter vector (canonical order: weight [out, in] row-major, then bias).
        private const int Layer1Weights = 0; // [1, 1, 3, 3]

        private const int Layer1Bias = 9; // [1]

        /// <summary>Layer 1: convolution [1, 4, 4] → [1, 2, 2], 1 filter(s) of 3×3, stride 1, padding 0, ReLU: y[o] = f(b[o] + Σ W[o]·window) for one sample.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1Forward(ref float p, ref float x, ref float y, ref float scratch)
        {
            ref float w = ref At(ref p, Layer1Weights);
            ref float b = ref At(ref p, Layer1Bias);
            ref float xp = ref x;
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // 4-float vectors: each output row of 2 is 0 vector(s) of 4 and a scalar tail of 2;
                // up to 4 vectors of outputs stay in registers while the 1×3×3 window accumulates.
                {
                    ref float wo = ref w;
                    float bias = b;
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float yrow = ref At(ref y, oy * 2);
                        ref float xrow = ref At(ref xp, oy * 4);
                        for (int ox = 0; ox < 2; ox++)
                        {
                            float s = bias;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref xrow, ky * 4 + ox);
                                    ref float wr = ref At(ref wo, ky * 3);
                                    s += wr * xr;
                                    s += At(ref wr, 1) * At(ref xr, 1);
                                    s += At(ref wr, 2) * At(ref xr, 2);
                                }
                            }
                            At(ref yrow, ox) = float.MaxNative(0f, s);
                        }
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // 4-float vectors: each output row of 2 is 0 vector(s) of 4 and a scalar tail of 2;
                // up to 4 vectors of outputs stay in registers while the 1×3×3 window accumulates.
                {
                    ref float wo = ref w;
                    float bias = b;
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float yrow = ref At(ref y, oy * 2);
                        ref float xrow = ref At(ref xp, oy * 4);
                        for (int ox = 0; ox < 2; ox++)
                        {
                            float s = bias;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref xrow, ky * 4 + ox);
                                    ref float wr = ref At(ref wo, ky * 3);
                                    s += wr * xr;
                                    s += At(ref wr, 1) * At(ref xr, 1);
                                    s += At(ref wr, 2) * At(ref xr, 2);
                                }
                            }
                            At(ref yrow, ox) = float.MaxNative(0f, s);
                        }
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                // 4-float vectors: each output row of 2 is 0 vector(s) of 4 and a scalar tail of 2;
                // up to 4 vectors of outputs stay in registers while the 1×3×3 window accumulates.
                {
                    ref float wo = ref w;
                    float bias = b;
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float yrow = ref At(ref y, oy * 2);
                        ref float xrow = ref At(ref xp, oy * 4);
                        for (int ox = 0; ox < 2; ox++)
                        {
                            float s = bias;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref xrow, ky * 4 + ox);
                                    ref float wr = ref At(ref wo, ky * 3);
                                    s += wr * xr;
                                    s += At(ref wr, 1) * At(ref xr, 1);
                                    s += At(ref wr, 2) * At(ref xr, 2);
                                }
                            }
                            At(ref yrow, ox) = float.MaxNative(0f, s);
                        }
                    }
                }
            }
        }

        /// <summary>Layer 1: convolution [1, 4, 4] → [1, 2, 2], 1 filter(s) of 3×3, stride 1, padding 0, ReLU, forward over <paramref name="count"/> samples, block after block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1ForwardBatch(ref float p, ref float x, ref float y, int count, ref float scratch, bool blockedInput, bool blockedOutput)
        {
            int lanes = Lanes;
            ref float xPadded = ref scratch; // [1, 4, 4] × lanes
            ref float yBlock = ref At(ref scratch, 256); // the output block when the output is row-major
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * 16) : ref xPadded;
                if (!blockedInput) ToBlock(ref x, first, count, lanes, ref xPadded, 1, 4, 4, 0);
                ref float yb = ref blockedOutput ? ref Row(ref y, b, lanes * 4) : ref yBlock;
                Layer1ForwardBlock(ref p, ref xb, ref yb);
                if (!blockedOutput) FromBlock(ref yBlock, first, count, lanes, ref y, 4);
            }
        }

        /// <summary>Layer 1: convolution [1, 4, 4] → [1, 2, 2], 1 filter(s) of 3×3, stride 1, padding 0, ReLU: y = f(b + W ⊛ x) for one block (f applied here when ReLU or identity).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer1ForwardBlock(ref float p, ref float xb, ref float yb)
        {
            ref float w = ref At(ref p, Layer1Weights);
            ref float bias = ref At(ref p, Layer1Bias);
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // Blocks of 16 samples; a tile of 1 channel(s) × 2 position(s) stays in registers while the 1×3×3 window accumulates.
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float orow = ref At(ref yb, oy * 32);
                        ref float irow = ref At(ref xb, oy * 64);
                        ref float wrow = ref w;
                        {
                            var a0_0 = Vector512.Create(bias);
                            var a0_1 = Vector512.Create(bias);
                            Vector512<float> x0;
                            Vector512<float> x1;
                            Vector512<float> k;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref irow, ky * 64);
                                    ref float wr = ref At(ref wrow, ky * 3);
                                    x0 = Vector512.LoadUnsafe(ref xr);
                                    x1 = Vector512.LoadUnsafe(ref xr, 16);
                                    k = Vector512.Create(wr);
                                    a0_0 = Vector512.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector512.FusedMultiplyAdd(x1, k, a0_1);
                                    x0 = Vector512.LoadUnsafe(ref xr, 16);
                                    x1 = Vector512.LoadUnsafe(ref xr, 32);
                                    k = Vector512.Create(At(ref wr, 1));
                                    a0_0 = Vector512.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector512.FusedMultiplyAdd(x1, k, a0_1);
                                    x0 = Vector512.LoadUnsafe(ref xr, 32);
                                    x1 = Vector512.LoadUnsafe(ref xr, 48);
                                    k = Vector512.Create(At(ref wr, 2));
                                    a0_0 = Vector512.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector512.FusedMultiplyAdd(x1, k, a0_1);
                                }
                            }
                            Vector512.StoreUnsafe(Vector512.MaxNative(Vector512<float>.Zero, a0_0), ref orow);
                            Vector512.StoreUnsafe(Vector512.MaxNative(Vector512<float>.Zero, a0_1), ref orow, 16);
                        }
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // Blocks of 8 samples; a tile of 1 channel(s) × 2 position(s) stays in registers while the 1×3×3 window accumulates.
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float orow = ref At(ref yb, oy * 16);
                        ref float irow = ref At(ref xb, oy * 32);
                        ref float wrow = ref w;
                        {
                            var a0_0 = Vector256.Create(bias);
                            var a0_1 = Vector256.Create(bias);
                            Vector256<float> x0;
                            Vector256<float> x1;
                            Vector256<float> k;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref irow, ky * 32);
                                    ref float wr = ref At(ref wrow, ky * 3);
                                    x0 = Vector256.LoadUnsafe(ref xr);
                                    x1 = Vector256.LoadUnsafe(ref xr, 8);
                                    k = Vector256.Create(wr);
                                    a0_0 = Vector256.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector256.FusedMultiplyAdd(x1, k, a0_1);
                                    x0 = Vector256.LoadUnsafe(ref xr, 8);
                                    x1 = Vector256.LoadUnsafe(ref xr, 16);
                                    k = Vector256.Create(At(ref wr, 1));
                                    a0_0 = Vector256.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector256.FusedMultiplyAdd(x1, k, a0_1);
                                    x0 = Vector256.LoadUnsafe(ref xr, 16);
                                    x1 = Vector256.LoadUnsafe(ref xr, 24);
                                    k = Vector256.Create(At(ref wr, 2));
                                    a0_0 = Vector256.FusedMultiplyAdd(x0, k, a0_0);
                                    a0_1 = Vector256.FusedMultiplyAdd(x1, k, a0_1);
                                }
                            }
                            Vector256.StoreUnsafe(Vector256.MaxNative(Vector256<float>.Zero, a0_0), ref orow);
                            Vector256.StoreUnsafe(Vector256.MaxNative(Vector256<float>.Zero, a0_1), ref orow, 8);
                        }
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                // Blocks of 4 samples; a tile of 1 channel(s) × 2 position(s) stays in registers while the 1×3×3 window accumulates.
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        ref float orow = ref At(ref yb, oy * 8);
                        ref float irow = ref At(ref xb, oy * 16);
                        ref float wrow = ref w;
                        {
                            var a0_0 = Vector128.Create(bias);
                            var a0_1 = Vector128.Create(bias);
                            Vector128<float> x0;
                            Vector128<float> x1;
                            Vector128<float> k;
                            {
                                for (int ky = 0; ky < 3; ky++)
                                {
                                    ref float xr = ref At(ref irow, ky * 16);
                                    ref float wr = ref At(ref wrow, ky * 3);
                                    x0 = Vector128.LoadUnsafe(ref xr);
                                    x1 = Vector128.LoadUnsafe(ref xr, 4);
                                    k = Vector128.Create(wr);
                                    a0_0 = Vector128.MultiplyAddEstimate(x0, k, a0_0);
                                    a0_1 = Vector128.MultiplyAddEstimate(x1, k, a0_1);
                                    x0 = Vector128.LoadUnsafe(ref xr, 4);
                                    x1 = Vector128.LoadUnsafe(ref xr, 8);
                                    k = Vector128.Create(At(ref wr, 1));
                                    a0_0 = Vector128.MultiplyAddEstimate(x0, k, a0_0);
                                    a0_1 = Vector128.MultiplyAddEstimate(x1, k, a0_1);
                                    x0 = Vector128.LoadUnsafe(ref xr, 8);
                                    x1 = Vector128.LoadUnsafe(ref xr, 12);
                                    k = Vector128.Create(At(ref wr, 2));
                                    a0_0 = Vector128.MultiplyAddEstimate(x0, k, a0_0);
                                    a0_1 = Vector128.MultiplyAddEstimate(x1, k, a0_1);
                                }
                            }
                            Vector128.StoreUnsafe(Vector128.MaxNative(Vector128<float>.Zero, a0_0), ref orow);
                            Vector128.StoreUnsafe(Vector128.MaxNative(Vector128<float>.Zero, a0_1), ref orow, 4);
                        }
                    }
                }
            }
        }

        /// <summary>Layer 1: convolution [1, 4, 4] → [1, 2, 2], 1 filter(s) of 3×3, stride 1, padding 0, ReLU, backward over <paramref name="count"/> samples: ∂E/∂W and ∂E/∂b into g (added with <paramref name="accumulate"/>, written over it without).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1BackwardBatch(ref float p, ref float g, ref float x, ref float dz, int count, ref float scratch, bool blockedInput, bool blockedOutput, bool accumulate)
        {
            int lanes = Lanes;
            ref float xPadded = ref scratch; // [1, 4, 4] × lanes
            ref float dzBlock = ref At(ref scratch, 256); // ∂E/∂z as a block when it arrives row-major
            ref float dzDilated = ref At(ref scratch, 320); // [1, 6, 6] × lanes: ∂E/∂z spread by the stride, zero-bordered
            ref float sums = ref At(ref scratch, 896); // [10] × lanes: per-lane sums of ∂E/∂W, then ∂E/∂b
            MemoryMarshal.CreateSpan(ref sums, lanes * 10).Clear();
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * 16) : ref xPadded;
                if (!blockedInput) ToBlock(ref x, first, count, lanes, ref xPadded, 1, 4, 4, 0);
                ref float dzb = ref blockedOutput ? ref Row(ref dz, b, lanes * 4) : ref dzBlock;
                if (!blockedOutput) ToBlock(ref dz, first, count, lanes, ref dzBlock, 4, 1, 1, 0);
                Layer1WeightGradientBlock(ref dzb, ref xb, ref sums);
            }
            // Reduce the lanes: weights then bias, contiguous in g (added to it, or written over it on a batch's first chunk).
            ref float gl = ref At(ref g, Layer1Weights);
            for (int i = 0; i < 10; i++)
            {
                ref float lane = ref At(ref sums, i * lanes);
                float s = 0f;
                for (int j = 0; j < lanes; j++) s += At(ref lane, j);
                At(ref gl, i) = accumulate ? At(ref gl, i) + s : s;
            }
        }

        /// <summary>Layer 1: convolution [1, 4, 4] → [1, 2, 2], 1 filter(s) of 3×3, stride 1, padding 0, ReLU: adds Σ dz[o, i, j]·xp[c, i·S + u, j·S + v] over one block to the per-lane sums of ∂E/∂W[o, c, u, v] (and Σ dz[o] to those of ∂E/∂b).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer1WeightGradientBlock(ref float dzb, ref float xb, ref float sums)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                // 1 filter(s) × up to 3 kernel columns of sums in registers, over every output position of the block.
                {
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            {
                                Vector512<float> a0_0 = default, a0_1 = default, a0_2 = default;
                                for (int oy = 0; oy < 2; oy++)
                                {
                                    ref float dr = ref At(ref dzb, oy * 32);
                                    ref float xr = ref At(ref xb, (oy + ky) * 64);
                                    for (int ox = 0; ox < 2; ox++)
                                    {
                                        var d0 = Vector512.LoadUnsafe(ref dr);
                                        var x0 = Vector512.LoadUnsafe(ref xr);
                                        a0_0 = Vector512.FusedMultiplyAdd(d0, x0, a0_0);
                                        var x1 = Vector512.LoadUnsafe(ref xr, 16);
                                        a0_1 = Vector512.FusedMultiplyAdd(d0, x1, a0_1);
                                        var x2 = Vector512.LoadUnsafe(ref xr, 32);
                                        a0_2 = Vector512.FusedMultiplyAdd(d0, x2, a0_2);
                                        dr = ref At(ref dr, 16);
                                        xr = ref At(ref xr, 16);
                                    }
                                }
                                ref float sr = ref At(ref sums, ky * 48);
                                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sr) + a0_0, ref sr);
                                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sr, 16) + a0_1, ref sr, 16);
                                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sr, 32) + a0_2, ref sr, 32);
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
                    {
                        s0 += Vector512.LoadUnsafe(ref dr);
                        s1 += Vector512.LoadUnsafe(ref dr, 16);
                        s2 += Vector512.LoadUnsafe(ref dr, 32);
                        s3 += Vector512.LoadUnsafe(ref dr, 48);
                    }
                    ref float sb = ref At(ref sums, 144);
                    Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                // 1 filter(s) × up to 3 kernel columns of sums in registers, over every output position of the block.
                {
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            {
                                Vector256<float> a0_0 = default, a0_1 = default, a0_2 = default;
                                for (int oy = 0; oy < 2; oy++)
                                {
                                    ref float dr = ref At(ref dzb, oy * 16);
                                    ref float xr = ref At(ref xb, (oy + ky) * 32);
                                    for (int ox = 0; ox < 2; ox++)
                                    {
                                        var d0 = Vector256.LoadUnsafe(ref dr);
                                        var x0 = Vector256.LoadUnsafe(ref xr);
                                        a0_0 = Vector256.FusedMultiplyAdd(d0, x0, a0_0);
                                        var x1 = Vector256.LoadUnsafe(ref xr, 8);
                                        a0_1 = Vector256.FusedMultiplyAdd(d0, x1, a0_1);
                                        var x2 = Vector256.LoadUnsafe(ref xr, 16);
                                        a0_2 = Vector256.FusedMultiplyAdd(d0, x2, a0_2);
                                        dr = ref At(ref dr, 8);
                                        xr = ref At(ref xr, 8);
                                    }
                                }
                                ref float sr = ref At(ref sums, ky * 24);
                                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sr) + a0_0, ref sr);
                                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sr, 8) + a0_1, ref sr, 8);
                                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sr, 16) + a0_2, ref sr, 16);
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
                    {
                        s0 += Vector256.LoadUnsafe(ref dr);
                        s1 += Vector256.LoadUnsafe(ref dr, 8);
                        s2 += Vector256.LoadUnsafe(ref dr, 16);
                        s3 += Vector256.LoadUnsafe(ref dr, 24);
                    }
                    ref float sb = ref At(ref sums, 72);
                    Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
            else
            {
                // portable 128-bit path.
                // 1 filter(s) × up to 3 kernel columns of sums in registers, over every output position of the block.
                {
                    {
                        for (int ky = 0; ky < 3; ky++)
                        {
                            {
                                Vector128<float> a0_0 = default, a0_1 = default, a0_2 = default;
                                for (int oy = 0; oy < 2; oy++)
                                {
                                    ref float dr = ref At(ref dzb, oy * 8);
                                    ref float xr = ref At(ref xb, (oy + ky) * 16);
                                    for (int ox = 0; ox < 2; ox++)
                                    {
                                        var d0 = Vector128.LoadUnsafe(ref dr);
                                        var x0 = Vector128.LoadUnsafe(ref xr);
                                        a0_0 = Vector128.MultiplyAddEstimate(d0, x0, a0_0);
                                        var x1 = Vector128.LoadUnsafe(ref xr, 4);
                                        a0_1 = Vector128.MultiplyAddEstimate(d0, x1, a0_1);
                                        var x2 = Vector128.LoadUnsafe(ref xr, 8);
                                        a0_2 = Vector128.MultiplyAddEstimate(d0, x2, a0_2);
                                        dr = ref At(ref dr, 4);
                                        xr = ref At(ref xr, 4);
                                    }
                                }
                                ref float sr = ref At(ref sums, ky * 12);
                                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sr) + a0_0, ref sr);
                                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sr, 4) + a0_1, ref sr, 4);
                                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sr, 8) + a0_2, ref sr, 8);
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
                    {
                        s0 += Vector128.LoadUnsafe(ref dr);
                        s1 += Vector128.LoadUnsafe(ref dr, 4);
                        s2 += Vector128.LoadUnsafe(ref dr, 8);
                        s3 += Vector128.LoadUnsafe(ref dr, 12);
                    }
                    ref float sb = ref At(ref sums, 36);
                    Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref sb) + ((s0 + s1) + (s2 + s3)), ref sb);
                }
            }
        }

// Calls from the network class

// in PredictBatch
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref xs, ref h1, count, ref scratch, false, false);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.Layer1Forward(ref p, ref x, ref h1, ref scratch);

// in ComputeGradientsCore
                // Forward, layer after layer, keeping every layer's outputs for the backward pass.
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref x, ref a1, count, ref scratch, false, false);
                global::NetCompiler.Generated.GeneratedKernels.Layer1BackwardBatch(ref p, ref g, ref x, ref dzB, count, ref scratch, false, false, start > 0);
