// Batch normalisation after a dense layer
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(4)]
//    [Dense(3)]
//    [BatchNorm(Activation.ReLU)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer2Weights, Layer2Bias, Layer2Forward, Layer2ForwardBatch, Layer2TrainForward, Layer2RunningStatistics, Layer2TrainBackward

        private const int Layer2Weights = 15; // [3] (γ)

        private const int Layer2Bias = 18; // [3] (β)

        /// <summary>Layer 2: batch normalisation of [3], per feature over the batch, ε = 1E-05, then ReLU: one sample, with the running statistics: y = f((x − mean) · γ / √(var + ε) + β).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2Forward(ref float p, ref float state, ref float x, ref float y) => Layer2ForwardBatch(ref p, ref state, ref x, ref y, 1, 1, 1);

        /// <summary>Layer 2: batch normalisation of [3], per feature over the batch, ε = 1E-05, then ReLU: <paramref name="count"/> samples, with the running statistics, from blocks of <paramref name="inLanes"/> into blocks of <paramref name="outLanes"/> (1: row-major).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2ForwardBatch(ref float p, ref float state, ref float x, ref float y, int count, int inLanes, int outLanes)
        {
            for (int c = 0; c < 3; c++)
            {
                float m = At(ref state, c);
                float k = At(ref p, 15 + c) / MathF.Sqrt(At(ref state, 3 + c) + 1E-05f);
                float shift = At(ref p, 18 + c);
                ChannelNormalize(ref x, inLanes, ref y, outLanes, count, 3, c, 1, m, k, shift, true);
            }
            ClearLanes(ref y, count, outLanes, 3);
        }

        /// <summary>
        /// Layer 2: batch normalisation of [3], per feature over the batch, ε = 1E-05, then ReLU: training forward over <paramref name="count"/> samples with the statistics of the batch of
        /// <paramref name="batch"/>, from blocks of <paramref name="inLanes"/> into blocks of <paramref name="outLanes"/> (1: row-major).
        /// The whole batch (<paramref name="parts"/> = 1), or one part's slice of it: the parts then add their partial sums, met at
        /// the barrier, in part order. Writes stats = [mean, 1/√(var + ε), biased var] per channel
        /// (3 each) for the backward pass and the running statistics, and y = f((x − mean) · γ/√(var + ε) + β).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2TrainForward(ref float p, ref float x, ref float y, int count, int inLanes, int outLanes, ref float stats, int batch, ref double sync, int part, int parts, SpinBarrier? barrier)
        {
            double n = (double)batch * 1;
            if (parts > 1)
            {
                // Each part's sums over its slice, then (once every part's are there) its squares about the batch's mean.
                ref double own = ref Unsafe.Add(ref sync, part * 12);
                for (int c = 0; c < 3; c++) Unsafe.Add(ref own, c) = ChannelSum(ref x, count, inLanes, 3, c, 1);
                barrier!.SignalAndWait();
                for (int c = 0; c < 3; c++) Unsafe.Add(ref own, 3 + c) = ChannelSquares(ref x, count, inLanes, 3, c, 1, SumOfParts(ref sync, c, parts, 12) / n);
                barrier.SignalAndWait();
            }
            for (int c = 0; c < 3; c++)
            {
                // Mean, then the biased variance about it (two passes, in double: no cancellation).
                double mu = parts > 1 ? SumOfParts(ref sync, c, parts, 12) / n : ChannelSum(ref x, count, inLanes, 3, c, 1) / n;
                double variance = parts > 1 ? SumOfParts(ref sync, 3 + c, parts, 12) / n : ChannelSquares(ref x, count, inLanes, 3, c, 1, mu) / n;
                float m = (float)mu, invStd = (float)(1.0 / Math.Sqrt(variance + 1E-05f));
                At(ref stats, c) = m;
                At(ref stats, 3 + c) = invStd;
                At(ref stats, 6 + c) = (float)variance;
                float k = At(ref p, 15 + c) * invStd, shift = At(ref p, 18 + c);
                ChannelNormalize(ref x, inLanes, ref y, outLanes, count, 3, c, 1, m, k, shift, true);
            }
            ClearLanes(ref y, count, outLanes, 3);
        }

        /// <summary>
        /// Layer 2: batch normalisation of [3], per feature over the batch, ε = 1E-05, then ReLU: the running statistics after a step over <paramref name="count"/> samples, into <paramref name="updated"/>:
        /// (1 − 0.1) · running + 0.1 · batch, with the batch's unbiased variance (as PyTorch).
        /// </summary>
        internal static void Layer2RunningStatistics(ref float stats, ref float running, ref float updated, int count)
        {
            double n = (double)count * 1;
            const float momentum = 0.1f;
            for (int c = 0; c < 3; c++)
            {
                At(ref updated, c) = (1f - momentum) * At(ref running, c) + momentum * At(ref stats, c);
                float unbiased = (float)(At(ref stats, 6 + c) * (n / (n - 1)));
                At(ref updated, 3 + c) = (1f - momentum) * At(ref running, 3 + c) + momentum * unbiased;
            }
        }

        /// <summary>
        /// Layer 2: batch normalisation of [3], per feature over the batch, ε = 1E-05, then ReLU: training backward. With x̂ = (x − mean)/√(var + ε) and dy = ∂E/∂z (in blocks of <paramref name="outLanes"/>),
        /// ∂E/∂γ = Σ dy·x̂, ∂E/∂β = Σ dy over the batch (written by part 0; the other parts write zeros, so that the parts'
        /// gradients add up to the batch's), and ∂E/∂x = γ/√(var + ε) · (dy − mean(dy) − x̂ · mean(dy·x̂)), times f′ of
        /// layer 1 (identity), into dzBelow (in blocks of <paramref name="inLanes"/>, as x). A part adds the
        /// parts' partial sums, met at the barrier, in part order.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2TrainBackward(ref float p, ref float g, ref float x, ref float dz, ref float dzBelow, int count, int inLanes, int outLanes, ref float stats, int batch, ref double sync, int part, int parts, SpinBarrier? barrier)
        {
            double n = (double)batch * 1;
            if (parts > 1)
            {
                ref double own = ref Unsafe.Add(ref sync, part * 12 + 6);
                for (int c = 0; c < 3; c++)
                {
                    ChannelGradientSums(ref x, inLanes, ref dz, outLanes, count, 3, c, 1, At(ref stats, c), At(ref stats, 3 + c), out double partDy, out double partDyXhat);
                    Unsafe.Add(ref own, c) = partDy;
                    Unsafe.Add(ref own, 3 + c) = partDyXhat;
                }
                barrier!.SignalAndWait();
            }
            for (int c = 0; c < 3; c++)
            {
                float m = At(ref stats, c), invStd = At(ref stats, 3 + c);
                double sumDy, sumDyXhat;
                if (parts > 1)
                {
                    sumDy = SumOfParts(ref sync, 6 + c, parts, 12);
                    sumDyXhat = SumOfParts(ref sync, 9 + c, parts, 12);
                }
                else ChannelGradientSums(ref x, inLanes, ref dz, outLanes, count, 3, c, 1, m, invStd, out sumDy, out sumDyXhat);
                At(ref g, 15 + c) = part == 0 ? (float)sumDyXhat : 0f;
                At(ref g, 18 + c) = part == 0 ? (float)sumDy : 0f;
                float k = At(ref p, 15 + c) * invStd, meanDy = (float)(sumDy / n), meanDyXhat = (float)(sumDyXhat / n);
                ChannelInputGradient(ref x, inLanes, ref dz, outLanes, ref dzBelow, count, 3, c, 1, m, invStd, k, meanDy, meanDyXhat);
            }
            ClearLanes(ref dzBelow, count, inLanes, 3);
        }

// Calls from the network class

// in PredictBatch
                global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref p, ref global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_state), ref h1, ref h2, count, 1, 1);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.Layer2Forward(ref p, ref global::System.Runtime.InteropServices.MemoryMarshal.GetArrayDataReference(_state), ref h1, ref h2);

// in ComputeGradientsCore
            global::NetCompiler.Generated.GeneratedKernels.Layer2TrainForward(ref p, ref a1, ref a2, count, 1, 1, ref stats2, batch, ref sync, part, parts, barrier);
            global::NetCompiler.Generated.GeneratedKernels.Layer2TrainBackward(ref p, ref g, ref a1, ref dzB, ref dzA, count, 1, 1, ref stats2, batch, ref sync, part, parts, barrier);
                global::NetCompiler.Generated.GeneratedKernels.Layer2RunningStatistics(ref stats2, ref running, ref updated, batch);
