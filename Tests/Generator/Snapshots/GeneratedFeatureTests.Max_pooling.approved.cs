// Max pooling, 2×2 windows
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(1, 6, 6)]
//    [Conv2D(2, 3)]
//    [MaxPool2D(2)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer2Forward, Layer2ForwardBatch, Layer2ForwardBlock, Layer2BackwardBatch, Layer2BackwardBlock

        /// <summary>Layer 2: max pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, for one sample.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2Forward(ref float x, ref float y)
        {
            // 2 outputs per step: the maximum of rows 2·oy and 2·oy + 1 over 4 columns, then of each pair of neighbours
            // (NaN when any of the 4 is NaN, like MathF.Max and the batch kernels).
            for (int c = 0; c < 2; c++)
            {
                for (int oy = 0; oy < 2; oy++)
                {
                    ref float r0 = ref At(ref x, (c * 4 + oy * 2) * 4);
                    ref float r1 = ref At(ref r0, 4);
                    ref float yr = ref At(ref y, (c * 2 + oy) * 2);
                    {
                        var a = Vector128.LoadUnsafe(ref r0);
                        var v = Vector128.ConditionalSelect(Vector128.IsNaN(a), a, Vector128.MaxNative(a, Vector128.LoadUnsafe(ref r1)));
                        var m = Vector128.ConditionalSelect(Vector128.IsNaN(v), v, Vector128.MaxNative(v, Vector128.Shuffle(v, Vector128.Create(1, 0, 3, 2))));
                        Unsafe.WriteUnaligned(ref Unsafe.As<float, byte>(ref yr), Vector128.ToScalar(Vector128.AsUInt64(Vector128.Shuffle(m, Vector128.Create(0, 2, 0, 2)))));
                    }
                }
            }
        }

        /// <summary>Layer 2: max pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, forward over <paramref name="count"/> samples, block after block.</summary>
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

        /// <summary>Layer 2: max pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, for one block of samples (one per lane).</summary>
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
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, Vector512.LoadUnsafe(ref window, 16)));
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, Vector512.LoadUnsafe(ref window, 64)));
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, Vector512.LoadUnsafe(ref window, 80)));
                            Vector512.StoreUnsafe(m, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 16));
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
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, Vector256.LoadUnsafe(ref window, 8)));
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, Vector256.LoadUnsafe(ref window, 32)));
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, Vector256.LoadUnsafe(ref window, 40)));
                            Vector256.StoreUnsafe(m, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 8));
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
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, Vector128.LoadUnsafe(ref window, 4)));
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, Vector128.LoadUnsafe(ref window, 16)));
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, Vector128.LoadUnsafe(ref window, 20)));
                            Vector128.StoreUnsafe(m, ref yb, (nuint)(((c * 2 + oy) * 2 + ox) * 4));
                        }
                    }
                }
            }
        }

        /// <summary>Layer 2: max pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, backward over <paramref name="count"/> samples: routes dz to each window's maximum,
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

        /// <summary>Layer 2: max pooling [2, 4, 4] → [2, 2, 2], 2×2 windows, stride 2, backward for one block of samples (the first maximum of each window, per lane, takes the gradient).</summary>
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
                            var x0 = Vector512.LoadUnsafe(ref window);
                            var x1 = Vector512.LoadUnsafe(ref window, 16);
                            var x2 = Vector512.LoadUnsafe(ref window, 64);
                            var x3 = Vector512.LoadUnsafe(ref window, 80);
                            var m = x0;
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, x1));
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, x2));
                            m = Vector512.ConditionalSelect(Vector512.IsNaN(m), m, Vector512.MaxNative(m, x3));
                            var taken = Vector512<float>.Zero;
                            var e0 = Vector512.Equals(x0, m);
                            taken |= e0;
                            Vector512.StoreUnsafe((d & e0), ref target);
                            var e1 = Vector512.AndNot(Vector512.Equals(x1, m), taken);
                            taken |= e1;
                            Vector512.StoreUnsafe((d & e1), ref target, 16);
                            var e2 = Vector512.AndNot(Vector512.Equals(x2, m), taken);
                            taken |= e2;
                            Vector512.StoreUnsafe((d & e2), ref target, 64);
                            var e3 = Vector512.AndNot(Vector512.Equals(x3, m), taken);
                            Vector512.StoreUnsafe((d & e3), ref target, 80);
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
                            var x0 = Vector256.LoadUnsafe(ref window);
                            var x1 = Vector256.LoadUnsafe(ref window, 8);
                            var x2 = Vector256.LoadUnsafe(ref window, 32);
                            var x3 = Vector256.LoadUnsafe(ref window, 40);
                            var m = x0;
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, x1));
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, x2));
                            m = Vector256.ConditionalSelect(Vector256.IsNaN(m), m, Vector256.MaxNative(m, x3));
                            var taken = Vector256<float>.Zero;
                            var e0 = Vector256.Equals(x0, m);
                            taken |= e0;
                            Vector256.StoreUnsafe((d & e0), ref target);
                            var e1 = Vector256.AndNot(Vector256.Equals(x1, m), taken);
                            taken |= e1;
                            Vector256.StoreUnsafe((d & e1), ref target, 8);
                            var e2 = Vector256.AndNot(Vector256.Equals(x2, m), taken);
                            taken |= e2;
                            Vector256.StoreUnsafe((d & e2), ref target, 32);
                            var e3 = Vector256.AndNot(Vector256.Equals(x3, m), taken);
                            Vector256.StoreUnsafe((d & e3), ref target, 40);
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
                            var x0 = Vector128.LoadUnsafe(ref window);
                            var x1 = Vector128.LoadUnsafe(ref window, 4);
                            var x2 = Vector128.LoadUnsafe(ref window, 16);
                            var x3 = Vector128.LoadUnsafe(ref window, 20);
                            var m = x0;
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, x1));
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, x2));
                            m = Vector128.ConditionalSelect(Vector128.IsNaN(m), m, Vector128.MaxNative(m, x3));
                            var taken = Vector128<float>.Zero;
                            var e0 = Vector128.Equals(x0, m);
                            taken |= e0;
                            Vector128.StoreUnsafe((d & e0), ref target);
                            var e1 = Vector128.AndNot(Vector128.Equals(x1, m), taken);
                            taken |= e1;
                            Vector128.StoreUnsafe((d & e1), ref target, 4);
                            var e2 = Vector128.AndNot(Vector128.Equals(x2, m), taken);
                            taken |= e2;
                            Vector128.StoreUnsafe((d & e2), ref target, 16);
                            var e3 = Vector128.AndNot(Vector128.Equals(x3, m), taken);
                            Vector128.StoreUnsafe((d & e3), ref target, 20);
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
