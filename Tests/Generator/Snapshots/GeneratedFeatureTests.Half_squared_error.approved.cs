// The half squared-error loss over 3 logistic outputs: unrolled
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(2)]
//    [Dense(3, Activation.Sigmoid)]
//    public partial class Net { }
//
// Members of GeneratedKernels: HalfSquaredError

        /// <summary>
        /// E = ½·Σ(y − t)² for one sample; writes dz = ∂E/∂z = f′·(y − t)·scale, where scale = 1/batch makes the
        /// accumulated gradient a batch mean.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static double HalfSquaredError(ref float y, ref float t, float scale, ref float dz)
        {
            float y0 = y, e0 = y0 - t;
            dz = e0 * scale * y0 * (1f - y0);
            float y1 = At(ref y, 1), e1 = y1 - At(ref t, 1);
            At(ref dz, 1) = e1 * scale * y1 * (1f - y1);
            float y2 = At(ref y, 2), e2 = y2 - At(ref t, 2);
            At(ref dz, 2) = e2 * scale * y2 * (1f - y2);
            return 0.5 * (e0 * e0 + e1 * e1 + e2 * e2);
        }

// Calls from the network class

// in ComputeGradientsCore
                    loss += global::NetCompiler.Generated.GeneratedKernels.HalfSquaredError(ref z, ref global::NetCompiler.Support.NetworkSupport.Row(ref t0, start + s, OutputSize), scale, ref dz);
