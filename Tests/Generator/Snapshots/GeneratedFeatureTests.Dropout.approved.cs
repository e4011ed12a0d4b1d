// Dropout
//
// The network:
//    [Network(Loss = Loss.HalfSquaredError)]
//    [Input(4)]
//    [Dense(3, Activation.ReLU)]
//    [Dropout(0.5f)]
//    [Dense(2)]
//    public partial class Net { }
//
// Members of GeneratedKernels: Layer2Forward, Layer2ForwardBatch, Layer2TrainForward, Layer2TrainBackward

        /// <summary>Layer 2: dropout of [3] at rate 0.5 (kept values × 2f): inference, one sample: the identity.</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2Forward(ref float x, ref float y) => MemoryMarshal.CreateReadOnlySpan(ref x, 3).CopyTo(MemoryMarshal.CreateSpan(ref y, 3));

        /// <summary>Layer 2: dropout of [3] at rate 0.5 (kept values × 2f): inference over <paramref name="count"/> row-major samples: the identity, into blocks of <paramref name="lanes"/> (1: a copy).</summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2ForwardBatch(ref float x, ref float y, int count, int lanes)
        {
            if (lanes == 1)
            {
                MemoryMarshal.CreateReadOnlySpan(ref x, count * 3).CopyTo(MemoryMarshal.CreateSpan(ref y, count * 3));
                return;
            }
            for (int s = 0; s < count; s++)
            {
                ref float xs = ref At(ref x, s * 3);
                int at = s / lanes * lanes * 3 + s % lanes;
                for (int i = 0; i < 3; i++) At(ref y, at + i * lanes) = At(ref xs, i);
            }
            ClearLanes(ref y, count, lanes, 3);
        }

        /// <summary>
        /// Layer 2: dropout of [3] at rate 0.5 (kept values × 2f): training forward over <paramref name="count"/> row-major samples, sample s being sample
        /// firstSample + s of the batch: unit i is kept when DropoutKeeps(its sample key, i), into blocks of <paramref name="lanes"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2TrainForward(ref float x, ref float y, int count, int lanes, ulong key, int firstSample)
        {
            for (int s = 0; s < count; s++)
            {
                ulong sample = DropoutSampleKey(key, firstSample + s);
                ref float xs = ref At(ref x, s * 3);
                int at = s / lanes * lanes * 3 + s % lanes;
                for (int i = 0; i < 3; i++) At(ref y, at + i * lanes) = DropoutKeeps(sample, i, 8388608UL) ? At(ref xs, i) * 2f : 0f;
            }
            ClearLanes(ref y, count, lanes, 3);
        }

        /// <summary>
        /// Layer 2: dropout of [3] at rate 0.5 (kept values × 2f): training backward: ∂E/∂x = ∂E/∂y × 2f where the unit was kept (the same mask, recomputed), else 0;
        /// times f′ of layer 1 (ReLU), into dzBelow (row-major); dz is in blocks of <paramref name="lanes"/>.
        /// </summary>
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        internal static void Layer2TrainBackward(ref float x, ref float dz, ref float dzBelow, int count, int lanes, ulong key, int firstSample)
        {
            for (int s = 0; s < count; s++)
            {
                ulong sample = DropoutSampleKey(key, firstSample + s);
                ref float xs = ref At(ref x, s * 3);
                ref float below = ref At(ref dzBelow, s * 3);
                int at = s / lanes * lanes * 3 + s % lanes;
                for (int i = 0; i < 3; i++)
                {
                    float d = DropoutKeeps(sample, i, 8388608UL) ? At(ref dz, at + i * lanes) * 2f : 0f;
                    At(ref below, i) = (At(ref xs, i) > 0f ? d : 0f);
                }
            }
        }

// Calls from the network class

// in PredictBatch
                global::NetCompiler.Generated.GeneratedKernels.Layer2ForwardBatch(ref h1, ref h2, count, 1);

// in PredictOne
            global::NetCompiler.Generated.GeneratedKernels.Layer2Forward(ref h1, ref h2);

// in ComputeGradientsCore
            global::NetCompiler.Generated.GeneratedKernels.Layer2TrainForward(ref a1, ref a2, count, 1, key2, firstSample);
            global::NetCompiler.Generated.GeneratedKernels.Layer2TrainBackward(ref a1, ref dzB, ref dzA, count, 1, key2, firstSample);
