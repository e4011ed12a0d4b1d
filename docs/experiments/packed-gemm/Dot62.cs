using System; using System.Runtime.CompilerServices; using System.Runtime.Intrinsics; using System.Runtime.Intrinsics.X86;
static partial class K {
public static void Dot6x2(ref float w, ref float b, ref float x, ref float y, int batch) {
  int o = 0;
  for (; o + 6 <= 128; o += 6) {
    for (int s = 0; s + 2 <= batch; s += 2) {
      ref float x0 = ref At(ref x, (s+0)*784);
      ref float x1 = ref At(ref x, (s+1)*784);
      ref float w0 = ref At(ref w, (o+0)*784);
      ref float w1 = ref At(ref w, (o+1)*784);
      ref float w2 = ref At(ref w, (o+2)*784);
      ref float w3 = ref At(ref w, (o+3)*784);
      ref float w4 = ref At(ref w, (o+4)*784);
      ref float w5 = ref At(ref w, (o+5)*784);
      var a00 = Vector256<float>.Zero;
      var a01 = Vector256<float>.Zero;
      var a10 = Vector256<float>.Zero;
      var a11 = Vector256<float>.Zero;
      var a20 = Vector256<float>.Zero;
      var a21 = Vector256<float>.Zero;
      var a30 = Vector256<float>.Zero;
      var a31 = Vector256<float>.Zero;
      var a40 = Vector256<float>.Zero;
      var a41 = Vector256<float>.Zero;
      var a50 = Vector256<float>.Zero;
      var a51 = Vector256<float>.Zero;
      for (nuint i = 0; i < 784; i += 8) {
        var xv0 = Vector256.LoadUnsafe(ref x0, i);
        var xv1 = Vector256.LoadUnsafe(ref x1, i);
        var wv0 = Vector256.LoadUnsafe(ref w0, i);
        a00 = Vector256.FusedMultiplyAdd(wv0, xv0, a00);
        a01 = Vector256.FusedMultiplyAdd(wv0, xv1, a01);
        var wv1 = Vector256.LoadUnsafe(ref w1, i);
        a10 = Vector256.FusedMultiplyAdd(wv1, xv0, a10);
        a11 = Vector256.FusedMultiplyAdd(wv1, xv1, a11);
        var wv2 = Vector256.LoadUnsafe(ref w2, i);
        a20 = Vector256.FusedMultiplyAdd(wv2, xv0, a20);
        a21 = Vector256.FusedMultiplyAdd(wv2, xv1, a21);
        var wv3 = Vector256.LoadUnsafe(ref w3, i);
        a30 = Vector256.FusedMultiplyAdd(wv3, xv0, a30);
        a31 = Vector256.FusedMultiplyAdd(wv3, xv1, a31);
        var wv4 = Vector256.LoadUnsafe(ref w4, i);
        a40 = Vector256.FusedMultiplyAdd(wv4, xv0, a40);
        a41 = Vector256.FusedMultiplyAdd(wv4, xv1, a41);
        var wv5 = Vector256.LoadUnsafe(ref w5, i);
        a50 = Vector256.FusedMultiplyAdd(wv5, xv0, a50);
        a51 = Vector256.FusedMultiplyAdd(wv5, xv1, a51);
      }
      var h0 = Avx.HorizontalAdd(Avx.HorizontalAdd(a00, a10), Avx.HorizontalAdd(a20, a30));
      var z0 = Vector256.GetLower(h0) + Vector256.GetUpper(h0) + Vector128.LoadUnsafe(ref b, (nuint)o);
      Vector128.StoreUnsafe(Vector128.MaxNative(Vector128<float>.Zero, z0), ref y, (nuint)((s+0)*128+o));
      var q0 = Avx.HorizontalAdd(a40, a50); var e0 = Sse3.HorizontalAdd(Vector256.GetLower(q0) + Vector256.GetUpper(q0), Vector128<float>.Zero);
      At(ref y, (s+0)*128+o+4) = MathF.Max(0, e0.GetElement(0) + At(ref b, o+4)); At(ref y, (s+0)*128+o+5) = MathF.Max(0, e0.GetElement(1) + At(ref b, o+5));
      var h1 = Avx.HorizontalAdd(Avx.HorizontalAdd(a01, a11), Avx.HorizontalAdd(a21, a31));
      var z1 = Vector256.GetLower(h1) + Vector256.GetUpper(h1) + Vector128.LoadUnsafe(ref b, (nuint)o);
      Vector128.StoreUnsafe(Vector128.MaxNative(Vector128<float>.Zero, z1), ref y, (nuint)((s+1)*128+o));
      var q1 = Avx.HorizontalAdd(a41, a51); var e1 = Sse3.HorizontalAdd(Vector256.GetLower(q1) + Vector256.GetUpper(q1), Vector128<float>.Zero);
      At(ref y, (s+1)*128+o+4) = MathF.Max(0, e1.GetElement(0) + At(ref b, o+4)); At(ref y, (s+1)*128+o+5) = MathF.Max(0, e1.GetElement(1) + At(ref b, o+5));
    }
  }
  if (batch < 0) for (; o < 128; o++) for (int s = 0; s < batch; s++) { float acc = At(ref b, o); for (int i = 0; i < 784; i++) acc += At(ref w, o*784+i) * At(ref x, s*784+i); At(ref y, s*128+o) = MathF.Max(0, acc); }
}}