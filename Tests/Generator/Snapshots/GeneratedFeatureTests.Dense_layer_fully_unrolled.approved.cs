// A dense layer under the full-unroll limit: straight-line code, every index a constant
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(2)]
//    [Dense(2, Activation.Tanh)]
//    [Dense(1, Activation.Sigmoid)]
//    public partial class Tiny { }
//
// Members of GeneratedKernels: Layer1Weights, Layer1Bias, Layer1Forward, Layer1ForwardBatch, Layer1WeightGradient, ForwardFused

        // Where each layer's parameters start in the flat parameter vector (canonical order: weight [out, in] row-major, then bias).
        private const int Layer1Weights = 0; // [2, 2]

        private const int Layer1Bias = 4; // [2]

        /// <summary>Layer 1: dense 2 → 2, tanh: y = f(W·x + b) for one sample.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1Forward(ref float p, ref float x, ref float y)
        {
            ref float w = ref At(ref p, Layer1Weights);
            ref float b = ref At(ref p, Layer1Bias);
            // Fully unrolled (4 weights): each output is one expression with constant indices,
            // its products summed pairwise (a tree, not a chain, so the additions overlap).
            float x0 = x;
            float x1 = At(ref x, 1);
            y = MathF.Tanh(w * x0 + At(ref w, 1) * x1 + b);
            At(ref y, 1) = MathF.Tanh(At(ref w, 2) * x0 + At(ref w, 3) * x1 + At(ref b, 1));
        }

        /// <summary>Layer 1: dense 2 → 2, tanh: y = f(W·x + b) for <paramref name="batch"/> samples stored row-major.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1ForwardBatch(ref float p, ref float x, ref float y, int batch)
        {
            // A small layer: its unrolled single-sample kernel, sample after sample.
            for (int sample = 0; sample < batch; sample++) Layer1Forward(ref p, ref At(ref x, sample * 2), ref At(ref y, sample * 2));
        }

        /// <summary>
        /// Layer 1: dense 2 → 2, tanh: ∂E/∂W = Σ_s dz[s]·x[s]ᵀ and ∂E/∂b = Σ_s dz[s] over <paramref name="batch"/> samples,
        /// added to g with <paramref name="accumulate"/>, written over it without (a batch's first chunk: g is not cleared beforehand).
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer1WeightGradient(ref float g, ref float x, ref float dz, int batch, bool accumulate)
        {
            ref float gw = ref At(ref g, Layer1Weights);
            ref float gb = ref At(ref g, Layer1Bias);
            if (!accumulate) MemoryMarshal.CreateSpan(ref gb, 2).Clear();
            // ∂E/∂b += Σ_s dz[s]
            for (int sample = 0; sample < batch; sample++)
            {
                ref float d = ref At(ref dz, sample * 2);
                for (int o = 0; o < 2; o++) At(ref gb, o) += At(ref d, o);
            }
            if (!accumulate) MemoryMarshal.CreateSpan(ref gw, 4).Clear();
            // Fully unrolled (4 weights), sample after sample: ∂E/∂W[o,i] += dz[o]·x[i].
            for (int sample = 0; sample < batch; sample++)
            {
                ref float xs = ref At(ref x, sample * 2);
                ref float ds = ref At(ref dz, sample * 2);
                float x0 = xs;
                float x1 = At(ref xs, 1);
                float dz0 = ds;
                float dz1 = At(ref ds, 1);
                gw += dz0 * x0;
                At(ref gw, 1) += dz0 * x1;
                At(ref gw, 2) += dz1 * x0;
                At(ref gw, 3) += dz1 * x1;
            }
        }

        /// <summary>One sample through every layer, all of them unrolled into this method: activations stay in locals.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void ForwardFused(ref float p, ref float x, ref float y)
        {
            float x0 = x;
            float x1 = At(ref x, 1);
            // Layer 1: dense 2 → 2, tanh
            ref float w1 = ref At(ref p, Layer1Weights);
            ref float b1 = ref At(ref p, Layer1Bias);
            float h1_0 = MathF.Tanh(w1 * x0 + At(ref w1, 1) * x1 + b1);
            float h1_1 = MathF.Tanh(At(ref w1, 2) * x0 + At(ref w1, 3) * x1 + At(ref b1, 1));
            // Layer 2: dense 2 → 1, logistic (output)
            ref float w2 = ref At(ref p, Layer2Weights);
            ref float b2 = ref At(ref p, Layer2Bias);
            y = 1f / (1f + MathF.Exp(-(w2 * h1_0 + At(ref w2, 1) * h1_1 + b2)));
        }

// Calls from the network class

// in PredictBatch
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref xs, ref h1, count);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.ForwardFused(ref FirstParameter, ref x, ref y);

// in ComputeGradientsCore
                // Forward, layer after layer, keeping every layer's outputs for the backward pass.
                global::NetCompiler.Generated.GeneratedKernels.Layer1ForwardBatch(ref p, ref x, ref a1, count);
                global::NetCompiler.Generated.GeneratedKernels.Layer1WeightGradient(ref g, ref x, ref dzB, count, start > 0);
