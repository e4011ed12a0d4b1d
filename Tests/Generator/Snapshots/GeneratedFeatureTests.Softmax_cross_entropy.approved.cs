// The softmax cross-entropy loss over 10 classes, and the softmax of Predict
//
// The network:
//    [Network(Loss = Loss.SoftmaxCrossEntropy)]
//    [Input(2)]
//    [Dense(10)]
//    public partial class Net { }
//
// Members of GeneratedKernels: SoftmaxCrossEntropy, Exponentials, Softmax

        /// <summary>
        /// Softmax cross-entropy for one sample, in one pass over the logits z: writes dz = (p − t)·scale, where p = softmax(z)
        /// and t is the one-hot of <paramref name="label"/>, and returns E = −log p[label] = logsumexp(z) − z[label].
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static double SoftmaxCrossEntropy(ref float z, int label, float scale, ref float dz)
        {
            float sum = Exponentials(ref z, ref dz, out float max);
            float pScale = scale / sum;
            for (int k = 0; k < 10; k++) At(ref dz, k) *= pScale;
            At(ref dz, label) -= scale;
            return max + MathF.Log(sum) - At(ref z, label);
        }

        /// <summary>As above with a probability target t: E = −Σ t·log p = Σ t·(logsumexp(z) − z), dz = (p − t)·scale.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static double SoftmaxCrossEntropy(ref float z, ref float t, float scale, ref float dz)
        {
            float sum = Exponentials(ref z, ref dz, out float max);
            float logSumExp = max + MathF.Log(sum);
            float pScale = scale / sum;
            double loss = 0;
            for (int k = 0; k < 10; k++)
            {
                float tk = At(ref t, k);
                loss += tk * (logSumExp - At(ref z, k));
                At(ref dz, k) = At(ref dz, k) * pScale - tk * scale;
            }
            return loss;
        }

        /// <summary>e^(z − max z) into e (which may be z itself), returning their sum; subtracting the maximum keeps every exponent ≤ 0.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private static float Exponentials(ref float z, ref float e, out float max)
        {
            max = z;
            for (int k = 1; k < 10; k++) max = MathF.Max(max, At(ref z, k));
            float sum = 0f;
            for (int k = 0; k < 10; k++)
            {
                float ek = MathF.Exp(At(ref z, k) - max);
                At(ref e, k) = ek;
                sum += ek;
            }
            return sum;
        }

        /// <summary>Turns logits into class probabilities in place.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Softmax(ref float z)
        {
            float sum = Exponentials(ref z, ref z, out _);
            float inverse = 1f / sum;
            for (int k = 0; k < 10; k++) At(ref z, k) *= inverse;
        }

// Calls from the network class

// in PredictBatch
                // Logits → class probabilities.
                for (int s = 0; s < count; s++) global::NetCompiler.Generated.GeneratedKernels.Softmax(ref global::NetCompiler.Support.NetworkSupport.Row(ref ys, s, OutputSize));

// in PredictOne
            // Logits → class probabilities.
            global::NetCompiler.Generated.GeneratedKernels.Softmax(ref y);

// in ComputeGradientsCore
                    loss += labels.IsEmpty ? global::NetCompiler.Generated.GeneratedKernels.SoftmaxCrossEntropy(ref z, ref global::NetCompiler.Support.NetworkSupport.Row(ref t0, start + s, OutputSize), scale, ref dz) : global::NetCompiler.Generated.GeneratedKernels.SoftmaxCrossEntropy(ref z, labels[start + s], scale, ref dz);
