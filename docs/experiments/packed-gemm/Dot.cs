using System; using System.Runtime.CompilerServices; using System.Runtime.Intrinsics; static partial class K {
static ref float At(ref float r, int i) => ref Unsafe.Add(ref r, i);
public static void Dot(ref float w, ref float b, ref float x, ref float y, int batch) {
                    // 8-float vectors; register tiles of 4 rows of W × 3 samples (12 dot products in flight).
                    for (int o = 0; o < 128; o += 4)
                    {
                        int sample = 0;
                        for (; sample + 3 <= batch; sample += 3)
                        {
                            ref float xa = ref At(ref x, sample * 784);
                            ref float xb = ref At(ref xa, 784);
                            ref float xc = ref At(ref xa, 1568);
                            ref float ya = ref At(ref y, sample * 128);
                            ref float yb = ref At(ref ya, 128);
                            ref float yc = ref At(ref ya, 256);
                            ref float w0 = ref At(ref w, o * 784);
                            ref float w1 = ref At(ref w0, 784);
                            ref float w2 = ref At(ref w0, 1568);
                            ref float w3 = ref At(ref w0, 2352);
                            var s0a = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s0b = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s0c = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s1a = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s1b = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s1c = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s2a = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s2b = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s2c = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s3a = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s3b = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s3c = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            for (nuint i = 0; i < 784; i += 8)
                            {
                                var xai = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref xa, (nuint)(i));
                                var xbi = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref xb, (nuint)(i));
                                var xci = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref xc, (nuint)(i));
                                var w0i = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w0, (nuint)(i));
                                s0a = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w0i, xai, s0a);
                                s0b = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w0i, xbi, s0b);
                                s0c = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w0i, xci, s0c);
                                var w1i = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w1, (nuint)(i));
                                s1a = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w1i, xai, s1a);
                                s1b = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w1i, xbi, s1b);
                                s1c = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w1i, xci, s1c);
                                var w2i = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w2, (nuint)(i));
                                s2a = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w2i, xai, s2a);
                                s2b = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w2i, xbi, s2b);
                                s2c = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w2i, xci, s2c);
                                var w3i = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w3, (nuint)(i));
                                s3a = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w3i, xai, s3a);
                                s3b = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w3i, xbi, s3b);
                                s3c = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(w3i, xci, s3c);
                            }
                            // The four rows' sums as one vector: pairwise horizontal adds, then the two 128-bit halves; bias, f, one store.
                            var ha = global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s0a, s1a), global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s2a, s3a));
                            var za = global::System.Runtime.Intrinsics.Vector256.GetLower(ha) + global::System.Runtime.Intrinsics.Vector256.GetUpper(ha) + global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, (nuint)o);
                            za = global::System.Runtime.Intrinsics.Vector128.MaxNative(global::System.Runtime.Intrinsics.Vector128<float>.Zero, za);
                            global::System.Runtime.Intrinsics.Vector128.StoreUnsafe(za, ref ya, (nuint)o);
                            var hb = global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s0b, s1b), global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s2b, s3b));
                            var zb = global::System.Runtime.Intrinsics.Vector256.GetLower(hb) + global::System.Runtime.Intrinsics.Vector256.GetUpper(hb) + global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, (nuint)o);
                            zb = global::System.Runtime.Intrinsics.Vector128.MaxNative(global::System.Runtime.Intrinsics.Vector128<float>.Zero, zb);
                            global::System.Runtime.Intrinsics.Vector128.StoreUnsafe(zb, ref yb, (nuint)o);
                            var hc = global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s0c, s1c), global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s2c, s3c));
                            var zc = global::System.Runtime.Intrinsics.Vector256.GetLower(hc) + global::System.Runtime.Intrinsics.Vector256.GetUpper(hc) + global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, (nuint)o);
                            zc = global::System.Runtime.Intrinsics.Vector128.MaxNative(global::System.Runtime.Intrinsics.Vector128<float>.Zero, zc);
                            global::System.Runtime.Intrinsics.Vector128.StoreUnsafe(zc, ref yc, (nuint)o);
                        }
                        // The last samples, one at a time.
                        for (; sample < batch; sample++)
                        {
                            ref float xs = ref At(ref x, sample * 784);
                            ref float ys = ref At(ref y, sample * 128);
                            ref float w0 = ref At(ref w, o * 784);
                            ref float w1 = ref At(ref w0, 784);
                            ref float w2 = ref At(ref w0, 1568);
                            ref float w3 = ref At(ref w0, 2352);
                            var s0 = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s1 = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s2 = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            var s3 = global::System.Runtime.Intrinsics.Vector256<float>.Zero;
                            for (nuint i = 0; i < 784; i += 8)
                            {
                                var xi = global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref xs, (nuint)(i));
                                s0 = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w0, (nuint)(i)), xi, s0);
                                s1 = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w1, (nuint)(i)), xi, s1);
                                s2 = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w2, (nuint)(i)), xi, s2);
                                s3 = global::System.Runtime.Intrinsics.Vector256.FusedMultiplyAdd(global::System.Runtime.Intrinsics.Vector256.LoadUnsafe(ref w3, (nuint)(i)), xi, s3);
                            }
                            // The four rows' sums as one vector: pairwise horizontal adds, then the two 128-bit halves; bias, f, one store.
                            var h = global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s0, s1), global::System.Runtime.Intrinsics.X86.Avx.HorizontalAdd(s2, s3));
                            var z = global::System.Runtime.Intrinsics.Vector256.GetLower(h) + global::System.Runtime.Intrinsics.Vector256.GetUpper(h) + global::System.Runtime.Intrinsics.Vector128.LoadUnsafe(ref b, (nuint)o);
                            z = global::System.Runtime.Intrinsics.Vector128.MaxNative(global::System.Runtime.Intrinsics.Vector128<float>.Zero, z);
                            global::System.Runtime.Intrinsics.Vector128.StoreUnsafe(z, ref ys, (nuint)o);
                        }
                    }
                }
}
