using System; using System.Runtime.CompilerServices; using System.Runtime.Intrinsics;
static partial class K {
public static void Pack(ref float w, ref float wp) {
  // wp[panel][k][16] = w[panel*16+j][k]
  for (int p = 0; p < 8; p++) for (int k = 0; k < 784; k++) for (int j = 0; j < 16; j++) At(ref wp, (p*784+k)*16+j) = At(ref w, (p*16+j)*784+k);
}
static void Tile6(ref float wp, ref float x, ref float y, ref float b, int k0, int k1, bool first, bool last) {
  var a00 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+0));
  var a01 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+8));
  var a10 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(1*128+0));
  var a11 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(1*128+8));
  var a20 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(2*128+0));
  var a21 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(2*128+8));
  var a30 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(3*128+0));
  var a31 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(3*128+8));
  var a40 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(4*128+0));
  var a41 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(4*128+8));
  var a50 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(5*128+0));
  var a51 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(5*128+8));
  ref float wk = ref At(ref wp, k0*16);
  ref float x0 = ref At(ref x, 0*784 + k0);
  ref float x1 = ref At(ref x, 1*784 + k0);
  ref float x2 = ref At(ref x, 2*784 + k0);
  ref float x3 = ref At(ref x, 3*784 + k0);
  ref float x4 = ref At(ref x, 4*784 + k0);
  ref float x5 = ref At(ref x, 5*784 + k0);
  for (int k = 0; k < k1 - k0; k++) {
    var w0 = Vector256.LoadUnsafe(ref wk); var w1 = Vector256.LoadUnsafe(ref wk, 8); wk = ref At(ref wk, 16);
    var b0 = Vector256.Create(At(ref x0, k)); a00 = Vector256.FusedMultiplyAdd(w0, b0, a00); a01 = Vector256.FusedMultiplyAdd(w1, b0, a01);
    var b1 = Vector256.Create(At(ref x1, k)); a10 = Vector256.FusedMultiplyAdd(w0, b1, a10); a11 = Vector256.FusedMultiplyAdd(w1, b1, a11);
    var b2 = Vector256.Create(At(ref x2, k)); a20 = Vector256.FusedMultiplyAdd(w0, b2, a20); a21 = Vector256.FusedMultiplyAdd(w1, b2, a21);
    var b3 = Vector256.Create(At(ref x3, k)); a30 = Vector256.FusedMultiplyAdd(w0, b3, a30); a31 = Vector256.FusedMultiplyAdd(w1, b3, a31);
    var b4 = Vector256.Create(At(ref x4, k)); a40 = Vector256.FusedMultiplyAdd(w0, b4, a40); a41 = Vector256.FusedMultiplyAdd(w1, b4, a41);
    var b5 = Vector256.Create(At(ref x5, k)); a50 = Vector256.FusedMultiplyAdd(w0, b5, a50); a51 = Vector256.FusedMultiplyAdd(w1, b5, a51);
  }
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a00) : a00, ref y, (nuint)(0*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a01) : a01, ref y, (nuint)(0*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a10) : a10, ref y, (nuint)(1*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a11) : a11, ref y, (nuint)(1*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a20) : a20, ref y, (nuint)(2*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a21) : a21, ref y, (nuint)(2*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a30) : a30, ref y, (nuint)(3*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a31) : a31, ref y, (nuint)(3*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a40) : a40, ref y, (nuint)(4*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a41) : a41, ref y, (nuint)(4*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a50) : a50, ref y, (nuint)(5*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a51) : a51, ref y, (nuint)(5*128+8));
}
static void Tile4(ref float wp, ref float x, ref float y, ref float b, int k0, int k1, bool first, bool last) {
  var a00 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+0));
  var a01 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+8));
  var a10 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(1*128+0));
  var a11 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(1*128+8));
  var a20 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(2*128+0));
  var a21 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(2*128+8));
  var a30 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(3*128+0));
  var a31 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(3*128+8));
  ref float wk = ref At(ref wp, k0*16);
  ref float x0 = ref At(ref x, 0*784 + k0);
  ref float x1 = ref At(ref x, 1*784 + k0);
  ref float x2 = ref At(ref x, 2*784 + k0);
  ref float x3 = ref At(ref x, 3*784 + k0);
  for (int k = 0; k < k1 - k0; k++) {
    var w0 = Vector256.LoadUnsafe(ref wk); var w1 = Vector256.LoadUnsafe(ref wk, 8); wk = ref At(ref wk, 16);
    var b0 = Vector256.Create(At(ref x0, k)); a00 = Vector256.FusedMultiplyAdd(w0, b0, a00); a01 = Vector256.FusedMultiplyAdd(w1, b0, a01);
    var b1 = Vector256.Create(At(ref x1, k)); a10 = Vector256.FusedMultiplyAdd(w0, b1, a10); a11 = Vector256.FusedMultiplyAdd(w1, b1, a11);
    var b2 = Vector256.Create(At(ref x2, k)); a20 = Vector256.FusedMultiplyAdd(w0, b2, a20); a21 = Vector256.FusedMultiplyAdd(w1, b2, a21);
    var b3 = Vector256.Create(At(ref x3, k)); a30 = Vector256.FusedMultiplyAdd(w0, b3, a30); a31 = Vector256.FusedMultiplyAdd(w1, b3, a31);
  }
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a00) : a00, ref y, (nuint)(0*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a01) : a01, ref y, (nuint)(0*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a10) : a10, ref y, (nuint)(1*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a11) : a11, ref y, (nuint)(1*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a20) : a20, ref y, (nuint)(2*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a21) : a21, ref y, (nuint)(2*128+8));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a30) : a30, ref y, (nuint)(3*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a31) : a31, ref y, (nuint)(3*128+8));
}
static void Tile1(ref float wp, ref float x, ref float y, ref float b, int k0, int k1, bool first, bool last) {
  var a00 = first ? Vector256.LoadUnsafe(ref b, 0) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+0));
  var a01 = first ? Vector256.LoadUnsafe(ref b, 8) : Vector256.LoadUnsafe(ref y, (nuint)(0*128+8));
  ref float wk = ref At(ref wp, k0*16);
  ref float x0 = ref At(ref x, 0*784 + k0);
  for (int k = 0; k < k1 - k0; k++) {
    var w0 = Vector256.LoadUnsafe(ref wk); var w1 = Vector256.LoadUnsafe(ref wk, 8); wk = ref At(ref wk, 16);
    var b0 = Vector256.Create(At(ref x0, k)); a00 = Vector256.FusedMultiplyAdd(w0, b0, a00); a01 = Vector256.FusedMultiplyAdd(w1, b0, a01);
  }
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a00) : a00, ref y, (nuint)(0*128+0));
  Vector256.StoreUnsafe(last ? Vector256.MaxNative(Vector256<float>.Zero, a01) : a01, ref y, (nuint)(0*128+8));
}
public static void Packed(ref float wp, ref float b, ref float x, ref float y, int batch, int kc) {
  for (int k0 = 0; k0 < 784; k0 += kc) {
    int k1 = Math.Min(784, k0 + kc); bool first = k0 == 0, last = k1 == 784;
    for (int p = 0; p < 8; p++) {
      ref float panel = ref At(ref wp, p*784*16);
      ref float bp = ref At(ref b, p*16);
      int s = 0;
      for (; s + 6 <= batch; s += 6) Tile6(ref panel, ref At(ref x, s*784), ref At(ref y, s*128+p*16), ref bp, k0, k1, first, last);
      for (; s + 4 <= batch; s += 4) Tile4(ref panel, ref At(ref x, s*784), ref At(ref y, s*128+p*16), ref bp, k0, k1, first, last);
      for (; s < batch; s++) Tile1(ref panel, ref At(ref x, s*784), ref At(ref y, s*128+p*16), ref bp, k0, k1, first, last);
    }
  }
}
}
