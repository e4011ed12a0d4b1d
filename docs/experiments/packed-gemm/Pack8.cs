using System; using System.Runtime.CompilerServices; using System.Runtime.Intrinsics; using System.Runtime.Intrinsics.X86;
static partial class K {
[MethodImpl(MethodImplOptions.AggressiveInlining)]
static void Transpose8(ref float source, int from, ref float target, int to)
{
    nuint f = (nuint)from, t = (nuint)to;
    var r0 = Vector256.LoadUnsafe(ref source); var r1 = Vector256.LoadUnsafe(ref source, f); var r2 = Vector256.LoadUnsafe(ref source, 2 * f); var r3 = Vector256.LoadUnsafe(ref source, 3 * f);
    var r4 = Vector256.LoadUnsafe(ref source, 4 * f); var r5 = Vector256.LoadUnsafe(ref source, 5 * f); var r6 = Vector256.LoadUnsafe(ref source, 6 * f); var r7 = Vector256.LoadUnsafe(ref source, 7 * f);
    var t0 = Avx.UnpackLow(r0, r1); var t1 = Avx.UnpackHigh(r0, r1); var t2 = Avx.UnpackLow(r2, r3); var t3 = Avx.UnpackHigh(r2, r3);
    var t4 = Avx.UnpackLow(r4, r5); var t5 = Avx.UnpackHigh(r4, r5); var t6 = Avx.UnpackLow(r6, r7); var t7 = Avx.UnpackHigh(r6, r7);
    var u0 = Avx.Shuffle(t0, t2, 0x44); var u1 = Avx.Shuffle(t0, t2, 0xEE); var u2 = Avx.Shuffle(t1, t3, 0x44); var u3 = Avx.Shuffle(t1, t3, 0xEE);
    var u4 = Avx.Shuffle(t4, t6, 0x44); var u5 = Avx.Shuffle(t4, t6, 0xEE); var u6 = Avx.Shuffle(t5, t7, 0x44); var u7 = Avx.Shuffle(t5, t7, 0xEE);
    Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x20), ref target); Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x20), ref target, t);
    Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x20), ref target, 2 * t); Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x20), ref target, 3 * t);
    Vector256.StoreUnsafe(Avx.Permute2x128(u0, u4, 0x31), ref target, 4 * t); Vector256.StoreUnsafe(Avx.Permute2x128(u1, u5, 0x31), ref target, 5 * t);
    Vector256.StoreUnsafe(Avx.Permute2x128(u2, u6, 0x31), ref target, 6 * t); Vector256.StoreUnsafe(Avx.Permute2x128(u3, u7, 0x31), ref target, 7 * t);
}
public static void Pack8(ref float w, ref float wp) {
  for (int p = 0; p < 8; p++)
    for (int h = 0; h < 2; h++)
      for (int k = 0; k < 784; k += 8)
        Transpose8(ref At(ref w, (p*16 + h*8)*784 + k), 784, ref At(ref wp, (p*784 + k)*16 + h*8), 16);
}
}
