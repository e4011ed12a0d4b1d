// The Fashion MLP's PredictBatch(64) with layer 1's W stored [inputs][outputs] (transposed once, outside the timing),
// so that no input transposition is needed: tiles of 6 samples × 4 vectors of outputs, x broadcast from its rows,
// optionally K-blocked by KC inputs; against the generated lane path, alternating rounds in one process.
// Usage: dotnet run -c Release --project docs/experiments/broadcast-layout -- ROUNDS KC
using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using NetCompiler.Benchmarks;

const int batch = 64, IN = 784, H = 128, OUT = 10;
var net = new FashionMlp(1);
float[] x = SyntheticData.Inputs(batch * IN, 3);
var y = new float[batch * OUT]; var y2 = new float[batch * OUT];
float[] P = net.Parameters.ToArray();
// W1T [784][128], b1 [128], W2T [128][16] (zero-padded), b2 [16] (-inf padded)
var W1T = GC.AllocateArray<float>(IN * H + 16, pinned: true);
var W2T = GC.AllocateArray<float>(H * 16 + 16, pinned: true);
var b1 = new float[H]; var b2 = new float[16];
for (int o = 0; o < H; o++) { for (int i = 0; i < IN; i++) W1T[i * H + o] = P[o * IN + i]; b1[o] = P[IN * H + o]; }
int w2 = IN * H + H;
for (int o = 0; o < 16; o++) { for (int i = 0; i < H; i++) W2T[i * 16 + o] = o < OUT ? P[w2 + o * H + i] : 0; b2[o] = o < OUT ? P[w2 + OUT * H + o] : float.NegativeInfinity; }
var hbuf = GC.AllocateArray<float>(batch * H + 16, pinned: true);
int kc = args.Length > 1 ? int.Parse(args[1]) : IN;
net.PredictBatch(x, y);
BC.Predict(x, W1T, b1, W2T, b2, hbuf, y2, kc);
double maxd = 0; for (int i = 0; i < y.Length; i++) maxd = Math.Max(maxd, Math.Abs(y[i] - y2[i]));
Console.WriteLine($"max diff {maxd:E2}");
var fl = Floors.Measure();
double floorUs = (2.0 * batch * (IN * H + H * OUT)) / fl.PeakGFlops / 1e3;
Console.WriteLine($"peak {fl.PeakGFlops:F1} GFLOP/s, floor {floorUs:F2} µs");
int rounds = int.Parse(args[0]);
var t = new List<double>[3]; for (int k = 0; k < 3; k++) t[k] = new();
Action[] vs = { () => net.PredictBatch(x, y), () => BC.Predict(x, W1T, b1, W2T, b2, hbuf, y2, kc), () => BC.Layer1(x, W1T, b1, hbuf, kc) };
var warm = Stopwatch.StartNew(); while (warm.ElapsedMilliseconds < 3000) foreach (var v in vs) v();
for (int r = 0; r < rounds; r++)
    for (int k = 0; k < 3; k++)
    {
        long st = Stopwatch.GetTimestamp();
        for (int c = 0; c < 50; c++) vs[k]();
        t[k].Add(Stopwatch.GetElapsedTime(st).TotalMicroseconds / 50);
    }
string[] names = { "PredictBatch (lanes)", "broadcast [in][out]", "  its layer 1 alone" };
for (int k = 0; k < 3; k++) { var s = t[k].Order().ToArray(); Console.WriteLine($"{names[k],-22} min {s[0]:F2} med {s[s.Length / 2]:F2} µs  med/floor {s[s.Length / 2] / floorUs:F3}"); }
var ratio = Enumerable.Range(0, rounds).Select(r => t[1][r] / t[0][r]).Order().ToArray();
Console.WriteLine($"broadcast / lanes per round: median {ratio[rounds / 2]:F3}");

static class BC
{
    const int IN = 784, H = 128, OUT = 10, B = 64;
    static ref float At(ref float r, int i) => ref Unsafe.Add(ref r, i);

    public static void Predict(float[] x, float[] w1t, float[] b1, float[] w2t, float[] b2, float[] h, float[] y, int kc)
    {
        Layer1(x, w1t, b1, h, kc);
        ref float hh = ref h[0]; ref float w2 = ref w2t[0]; var bb = Vector512.LoadUnsafe(ref b2[0]);
        for (int s = 0; s < B; s++)
        {
            ref float hs = ref At(ref hh, s * H);
            var a0 = bb; var a1 = Vector512<float>.Zero; var a2 = a1; var a3 = a1;
            for (int i = 0; i < H; i += 4)
            {
                a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)(i * 16)), Vector512.Create(At(ref hs, i)), a0);
                a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)(i * 16 + 16)), Vector512.Create(At(ref hs, i + 1)), a1);
                a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)(i * 16 + 32)), Vector512.Create(At(ref hs, i + 2)), a2);
                a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref w2, (nuint)(i * 16 + 48)), Vector512.Create(At(ref hs, i + 3)), a3);
            }
            var z = (a0 + a1) + (a2 + a3);
            var e = Vector512.Exp(z - Vector512.Create(MaxOf(z)));   // padded lanes: -inf, exp 0
            e = e / Vector512.Create(Vector512.Sum(e));
            ref float ys = ref y[s * OUT];
            e.GetLower().StoreUnsafe(ref ys);
            ys = ref At(ref ys, 8); At(ref ys, 0) = e[8]; At(ref ys, 1) = e[9];
        }
    }

    static float MaxOf(Vector512<float> v)
    {
        var m = Vector256.Max(v.GetLower(), v.GetUpper());
        var n = Vector128.Max(m.GetLower(), m.GetUpper());
        n = Vector128.Max(n, Vector128.Shuffle(n, Vector128.Create(2, 3, 0, 1)));
        n = Vector128.Max(n, Vector128.Shuffle(n, Vector128.Create(1, 0, 3, 2)));
        return n.ToScalar();
    }

    // h[s][o] = relu(b1[o] + sum_i x[s][i] W1T[i][o]); tiles 6 samples x 4 vectors (64 outputs), K-blocked by kc.
    public static void Layer1(float[] xa, float[] w1t, float[] b1a, float[] ha, int kc)
    {
        ref float x = ref xa[0]; ref float w = ref w1t[0]; ref float b1 = ref b1a[0]; ref float h = ref ha[0];
        for (int k0 = 0; k0 < IN; k0 += kc)
        {
            int kn = Math.Min(kc, IN - k0);
            bool first = k0 == 0, last = k0 + kc >= IN;
            for (int ob = 0; ob < H; ob += 64)
            {
                int s = 0;
                for (; s + 6 <= B; s += 6) Tile6(ref x, ref w, ref b1, ref h, s, ob, k0, kn, first, last);
                for (; s < B; s++) Tile1(ref x, ref w, ref b1, ref h, s, ob, k0, kn, first, last);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    static void Tile6(ref float x, ref float w, ref float b1, ref float h, int s, int ob, int k0, int kn, bool first, bool last)
    {
        Vector512<float> a00, a01, a02, a03, a10, a11, a12, a13, a20, a21, a22, a23, a30, a31, a32, a33, a40, a41, a42, a43, a50, a51, a52, a53;
        ref float h0 = ref At(ref h, s * H + ob);
        if (first)
        {
            a00 = Vector512.LoadUnsafe(ref b1, (nuint)ob); a01 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 16); a02 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 32); a03 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 48);
            a10 = a00; a11 = a01; a12 = a02; a13 = a03; a20 = a00; a21 = a01; a22 = a02; a23 = a03;
            a30 = a00; a31 = a01; a32 = a02; a33 = a03; a40 = a00; a41 = a01; a42 = a02; a43 = a03; a50 = a00; a51 = a01; a52 = a02; a53 = a03;
        }
        else
        {
            a00 = Vector512.LoadUnsafe(ref h0, 0); a01 = Vector512.LoadUnsafe(ref h0, 16); a02 = Vector512.LoadUnsafe(ref h0, 32); a03 = Vector512.LoadUnsafe(ref h0, 48);
            a10 = Vector512.LoadUnsafe(ref h0, H); a11 = Vector512.LoadUnsafe(ref h0, H + 16); a12 = Vector512.LoadUnsafe(ref h0, H + 32); a13 = Vector512.LoadUnsafe(ref h0, H + 48);
            a20 = Vector512.LoadUnsafe(ref h0, 2 * H); a21 = Vector512.LoadUnsafe(ref h0, 2 * H + 16); a22 = Vector512.LoadUnsafe(ref h0, 2 * H + 32); a23 = Vector512.LoadUnsafe(ref h0, 2 * H + 48);
            a30 = Vector512.LoadUnsafe(ref h0, 3 * H); a31 = Vector512.LoadUnsafe(ref h0, 3 * H + 16); a32 = Vector512.LoadUnsafe(ref h0, 3 * H + 32); a33 = Vector512.LoadUnsafe(ref h0, 3 * H + 48);
            a40 = Vector512.LoadUnsafe(ref h0, 4 * H); a41 = Vector512.LoadUnsafe(ref h0, 4 * H + 16); a42 = Vector512.LoadUnsafe(ref h0, 4 * H + 32); a43 = Vector512.LoadUnsafe(ref h0, 4 * H + 48);
            a50 = Vector512.LoadUnsafe(ref h0, 5 * H); a51 = Vector512.LoadUnsafe(ref h0, 5 * H + 16); a52 = Vector512.LoadUnsafe(ref h0, 5 * H + 32); a53 = Vector512.LoadUnsafe(ref h0, 5 * H + 48);
        }
        ref float xs = ref At(ref x, s * IN + k0);
        ref float wi = ref At(ref w, k0 * H + ob);
        for (int i = 0; i < kn; i++)
        {
            var w0 = Vector512.LoadUnsafe(ref wi); var w1 = Vector512.LoadUnsafe(ref wi, 16); var w2 = Vector512.LoadUnsafe(ref wi, 32); var w3 = Vector512.LoadUnsafe(ref wi, 48);
            var d = Vector512.Create(At(ref xs, 0)); a00 = Vector512.FusedMultiplyAdd(w0, d, a00); a01 = Vector512.FusedMultiplyAdd(w1, d, a01); a02 = Vector512.FusedMultiplyAdd(w2, d, a02); a03 = Vector512.FusedMultiplyAdd(w3, d, a03);
            d = Vector512.Create(At(ref xs, IN)); a10 = Vector512.FusedMultiplyAdd(w0, d, a10); a11 = Vector512.FusedMultiplyAdd(w1, d, a11); a12 = Vector512.FusedMultiplyAdd(w2, d, a12); a13 = Vector512.FusedMultiplyAdd(w3, d, a13);
            d = Vector512.Create(At(ref xs, 2 * IN)); a20 = Vector512.FusedMultiplyAdd(w0, d, a20); a21 = Vector512.FusedMultiplyAdd(w1, d, a21); a22 = Vector512.FusedMultiplyAdd(w2, d, a22); a23 = Vector512.FusedMultiplyAdd(w3, d, a23);
            d = Vector512.Create(At(ref xs, 3 * IN)); a30 = Vector512.FusedMultiplyAdd(w0, d, a30); a31 = Vector512.FusedMultiplyAdd(w1, d, a31); a32 = Vector512.FusedMultiplyAdd(w2, d, a32); a33 = Vector512.FusedMultiplyAdd(w3, d, a33);
            d = Vector512.Create(At(ref xs, 4 * IN)); a40 = Vector512.FusedMultiplyAdd(w0, d, a40); a41 = Vector512.FusedMultiplyAdd(w1, d, a41); a42 = Vector512.FusedMultiplyAdd(w2, d, a42); a43 = Vector512.FusedMultiplyAdd(w3, d, a43);
            d = Vector512.Create(At(ref xs, 5 * IN)); a50 = Vector512.FusedMultiplyAdd(w0, d, a50); a51 = Vector512.FusedMultiplyAdd(w1, d, a51); a52 = Vector512.FusedMultiplyAdd(w2, d, a52); a53 = Vector512.FusedMultiplyAdd(w3, d, a53);
            wi = ref At(ref wi, H); xs = ref At(ref xs, 1);
        }
        if (last)
        {
            var z = Vector512<float>.Zero;
            a00 = Vector512.Max(a00, z); a01 = Vector512.Max(a01, z); a02 = Vector512.Max(a02, z); a03 = Vector512.Max(a03, z);
            a10 = Vector512.Max(a10, z); a11 = Vector512.Max(a11, z); a12 = Vector512.Max(a12, z); a13 = Vector512.Max(a13, z);
            a20 = Vector512.Max(a20, z); a21 = Vector512.Max(a21, z); a22 = Vector512.Max(a22, z); a23 = Vector512.Max(a23, z);
            a30 = Vector512.Max(a30, z); a31 = Vector512.Max(a31, z); a32 = Vector512.Max(a32, z); a33 = Vector512.Max(a33, z);
            a40 = Vector512.Max(a40, z); a41 = Vector512.Max(a41, z); a42 = Vector512.Max(a42, z); a43 = Vector512.Max(a43, z);
            a50 = Vector512.Max(a50, z); a51 = Vector512.Max(a51, z); a52 = Vector512.Max(a52, z); a53 = Vector512.Max(a53, z);
        }
        a00.StoreUnsafe(ref h0, 0); a01.StoreUnsafe(ref h0, 16); a02.StoreUnsafe(ref h0, 32); a03.StoreUnsafe(ref h0, 48);
        a10.StoreUnsafe(ref h0, H); a11.StoreUnsafe(ref h0, H + 16); a12.StoreUnsafe(ref h0, H + 32); a13.StoreUnsafe(ref h0, H + 48);
        a20.StoreUnsafe(ref h0, 2 * H); a21.StoreUnsafe(ref h0, 2 * H + 16); a22.StoreUnsafe(ref h0, 2 * H + 32); a23.StoreUnsafe(ref h0, 2 * H + 48);
        a30.StoreUnsafe(ref h0, 3 * H); a31.StoreUnsafe(ref h0, 3 * H + 16); a32.StoreUnsafe(ref h0, 3 * H + 32); a33.StoreUnsafe(ref h0, 3 * H + 48);
        a40.StoreUnsafe(ref h0, 4 * H); a41.StoreUnsafe(ref h0, 4 * H + 16); a42.StoreUnsafe(ref h0, 4 * H + 32); a43.StoreUnsafe(ref h0, 4 * H + 48);
        a50.StoreUnsafe(ref h0, 5 * H); a51.StoreUnsafe(ref h0, 5 * H + 16); a52.StoreUnsafe(ref h0, 5 * H + 32); a53.StoreUnsafe(ref h0, 5 * H + 48);
    }

    static void Tile1(ref float x, ref float w, ref float b1, ref float h, int s, int ob, int k0, int kn, bool first, bool last)
    {
        ref float h0 = ref At(ref h, s * H + ob);
        Vector512<float> a0, a1, a2, a3;
        if (first) { a0 = Vector512.LoadUnsafe(ref b1, (nuint)ob); a1 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 16); a2 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 32); a3 = Vector512.LoadUnsafe(ref b1, (nuint)ob + 48); }
        else { a0 = Vector512.LoadUnsafe(ref h0, 0); a1 = Vector512.LoadUnsafe(ref h0, 16); a2 = Vector512.LoadUnsafe(ref h0, 32); a3 = Vector512.LoadUnsafe(ref h0, 48); }
        ref float xs = ref At(ref x, s * IN + k0);
        ref float wi = ref At(ref w, k0 * H + ob);
        for (int i = 0; i < kn; i++)
        {
            var d = Vector512.Create(At(ref xs, i));
            a0 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wi), d, a0); a1 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wi, 16), d, a1);
            a2 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wi, 32), d, a2); a3 = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref wi, 48), d, a3);
            wi = ref At(ref wi, H);
        }
        if (last) { var z = Vector512<float>.Zero; a0 = Vector512.Max(a0, z); a1 = Vector512.Max(a1, z); a2 = Vector512.Max(a2, z); a3 = Vector512.Max(a3, z); }
        a0.StoreUnsafe(ref h0, 0); a1.StoreUnsafe(ref h0, 16); a2.StoreUnsafe(ref h0, 32); a3.StoreUnsafe(ref h0, 48);
    }
}
