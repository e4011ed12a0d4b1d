// Average pooling, 2×2 windows
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(1, 6, 6)]
//    [Conv2D(2, 3)]
//    [AvgPool2D(2)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer2Forward, Layer2ForwardBatch, Layer2ForwardBlock, Layer2BackwardBatch, Layer2BackwardBlock

        /// <summary>Layer 2: average pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, for one sample.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2Forward(ref float x, ref float y)
        {
            for (int c = 0; c < 2; c++)
            {
                for (int oy = 0; oy < 2; oy++)
                {
                    for (int ox = 0; ox < 2; ox++)
                    {
                        ref float window = ref At(ref x, (c * 4 + oy * 2) * 4 + ox * 2);
                        float s = window;
                        s += At(ref window, 1);
                        s += At(ref window, 4);
                        s += At(ref window, 5);
                        At(ref y, (c * 2 + oy) * 2 + ox) = s * 0.25f;
                    }
                }
            }
        }

        /// <summary>Layer 2: average pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, forward over <paramref name="count"/> samples, block after block.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2ForwardBatch(ref float x, ref float y, int count, ref float scratch, bool blockedInput, bool blockedOutput)
        {
            int lanes = Lanes;
            ref float yBlock = ref At(ref scratch, 512);
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float xb = ref blockedInput ? ref Row(ref x, b, lanes * 32) : ref scratch;
                if (!blockedInput) ToBlock(ref x, first, count, lanes, ref scratch, 2, 4, 4, 0);
                ref float yb = ref blockedOutput ? ref Row(ref y, b, lanes * 8) : ref yBlock;
                Layer2ForwardBlock(ref xb, ref yb);
                if (!blockedOutput) FromBlock(ref yBlock, first, count, lanes, ref y, 8);
            }
        }

        /// <summary>Layer 2: average pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, for one block of samples (one per lane).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer2ForwardBlock(ref float xb, ref float yb)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            ref float window = ref At(ref xb, ((c * 4 + oy * 2) * 4 + ox * 2) * 16);
                            var m = Vector512.LoadUnsafe(ref window);
                            m += Vector512.LoadUnsafe(ref window, 16);
                            m += Vector512.LoadUnsafe(ref window, 64);
                            m += Vector512.LoadUnsafe(ref window, 80);
                            Vector512.StoreUnsafe(m * 0.25f, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 16));
                        }
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            ref float window = ref At(ref xb, ((c * 4 + oy * 2) * 4 + ox * 2) * 8);
                            var m = Vector256.LoadUnsafe(ref window);
                            m += Vector256.LoadUnsafe(ref window, 8);
                            m += Vector256.LoadUnsafe(ref window, 32);
                            m += Vector256.LoadUnsafe(ref window, 40);
                            Vector256.StoreUnsafe(m * 0.25f, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 8));
                        }
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            ref float window = ref At(ref xb, ((c * 4 + oy * 2) * 4 + ox * 2) * 4);
                            var m = Vector128.LoadUnsafe(ref window);
                            m += Vector128.LoadUnsafe(ref window, 4);
                            m += Vector128.LoadUnsafe(ref window, 16);
                            m += Vector128.LoadUnsafe(ref window, 20);
                            Vector128.StoreUnsafe(m * 0.25f, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 4));
                        }
                    }
                }
            }
        }

        /// <summary>Layer 2: average pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, backward over <paramref name="count"/> samples: routes dz to every position of each window, divided by its size,
        /// times f′ of layer 1 (identity), into dzBelow (in blocks; the input x is in blocks too).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2BackwardBatch(ref float x, ref float dz, ref float dzBelow, int count, ref float scratch, bool blockedOutput)
        {
            int lanes = Lanes;
            for (int first = 0, b = 0; first < count; first += lanes, b++)
            {
                ref float dzb = ref blockedOutput ? ref Row(ref dz, b, lanes * 8) : ref scratch;
                if (!blockedOutput) ToBlock(ref dz, first, count, lanes, ref scratch, 8, 1, 1, 0);
                Layer2BackwardBlock(ref Row(ref x, b, lanes * 32), ref dzb, ref Row(ref dzBelow, b, lanes * 32));
            }
        }

        /// <summary>Layer 2: average pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, backward for one block of samples.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static void Layer2BackwardBlock(ref float xb, ref float dzb, ref float dxb)
        {
            if (Vector512.IsHardwareAccelerated)
            {
                // AVX-512 path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            int corner = ((c * 4 + oy * 2) * 4 + ox * 2) * 16;
                            ref float window = ref At(ref xb, corner);
                            ref float target = ref At(ref dxb, corner);
                            var d = Vector512.LoadUnsafe(ref dzb, (nuint)(((c * 2 + oy) * 2 + ox) * 16));
                            d *= 0.25f;
                            Vector512.StoreUnsafe(d, ref target);
                            Vector512.StoreUnsafe(d, ref target, 16);
                            Vector512.StoreUnsafe(d, ref target, 64);
                            Vector512.StoreUnsafe(d, ref target, 80);
                        }
                    }
                }
            }
            else if (Vector256.IsHardwareAccelerated && Fma.IsSupported)
            {
                // AVX2 + FMA path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            int corner = ((c * 4 + oy * 2) * 4 + ox * 2) * 8;
                            ref float window = ref At(ref xb, corner);
                            ref float target = ref At(ref dxb, corner);
                            var d = Vector256.LoadUnsafe(ref dzb, (nuint)(((c * 2 + oy) * 2 + ox) * 8));
                            d *= 0.25f;
                            Vector256.StoreUnsafe(d, ref target);
                            Vector256.StoreUnsafe(d, ref target, 8);
                            Vector256.StoreUnsafe(d, ref target, 32);
                            Vector256.StoreUnsafe(d, ref target, 40);
                        }
                    }
                }
            }
            else
            {
                // portable 128-bit path.
                for (int c = 0; c < 2; c++)
                {
                    for (int oy = 0; oy < 2; oy++)
                    {
                        for (int ox = 0; ox < 2; ox++)
                        {
                            int corner = ((c * 4 + oy * 2) * 4 + ox * 2) * 4;
                            ref float window = ref At(ref xb, corner);
                            ref float target = ref At(ref dxb, corner);
                            var d = Vector128.LoadUnsafe(ref dzb, (nuint)(((c * 2 + oy) * 2 + ox) * 4));
                            d *= 0.25f;
                            Vector128.StoreUnsafe(d, ref target);
                            Vector128.StoreUnsafe(d, ref target, 4);
                            Vector128.StoreUnsafe(d, ref target, 16);
                            Vector128.StoreUnsafe(d, ref target, 20);
                        }
                    }
                }
            }
        }

// Calls from the network class

// in PredictBatch
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref global::NetCompiler.Support.NetworkSupport.Row(ref h1, first, 32), ref global::NetCompiler.Support.NetworkSupport.Row(ref h2, first, 8), n, ref scratch, true, false);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.Layer2Forward(ref h1, ref h2);

// in ComputeGradientsCore
                    global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref global::NetCompiler.Support.NetworkSupport.Row(ref a1, first, 32), ref global::NetCompiler.Support.NetworkSupport.Row(ref a2, first, 8), n, ref scratch, true, false);
                global::NetCompiler.Generated.GeneratedKernels.Layer2BackwardBatch(ref a1, ref dzB, ref dzA, count, ref scratch, false);
