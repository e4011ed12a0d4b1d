using System;
// The 784 -> 128 ReLU layer of the Fashion MLP on 64 samples, five ways, in alternating rounds in one process:
// the generated 4 x 3 dot-product tile (Dot.cs: the AVX2 branch of Layer1ForwardBatch copied from the generated code),
// W packed as [16-output panels][784][16] with tiles of 6 samples x 2 vectors (Packed.cs; K-blocked or not), the
// packing itself by 8 x 8 transposes (Pack8.cs), and a 6 x 2 dot-product tile over 126 rows (Dot62.cs).
// Run: dotnet run -c Release --project docs/experiments/packed-gemm
using System; using System.Diagnostics; using System.Runtime.InteropServices;
var rng = new Random(1);
float[] w = new float[128*784], b = new float[128], x = new float[64*784], y1 = new float[64*128], y2 = new float[64*128], wp = new float[128*784];
for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble()-0.5)*0.1f;
for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
for (int i = 0; i < b.Length; i++) b[i] = (float)(rng.NextDouble()-0.5);
ref float W = ref MemoryMarshal.GetArrayDataReference(w); ref float B = ref MemoryMarshal.GetArrayDataReference(b);
ref float X = ref MemoryMarshal.GetArrayDataReference(x); ref float WP = ref MemoryMarshal.GetArrayDataReference(wp);
ref float Y1 = ref MemoryMarshal.GetArrayDataReference(y1); ref float Y2 = ref MemoryMarshal.GetArrayDataReference(y2);
int[] kcs = { 784, 392 };
K.Dot(ref W, ref B, ref X, ref Y1, 64); K.Pack8(ref W, ref WP);
foreach (var kc in kcs) { K.Packed(ref WP, ref B, ref X, ref Y2, 64, kc); double md = 0; for (int i = 0; i < y1.Length; i++) md = Math.Max(md, Math.Abs(y1[i]-y2[i])); Console.WriteLine($"kc {kc}: max diff {md:E2}"); }
K.Dot6x2(ref W, ref B, ref X, ref Y2, 64); { double md = 0; for (int i = 0; i < y1.Length; i++) if (i % 128 < 126) md = Math.Max(md, Math.Abs(y1[i]-y2[i])); Console.WriteLine($"dot6x2 (rows 0-125) max diff {md:E2}"); }
int n = 200; var names = new System.Collections.Generic.List<string> { "dot 4x3", "pack only" }; foreach (var kc in kcs) names.Add($"packed kc={kc}"); names.Add("pack8+packed kc=784"); names.Add("dot 6x2 (+scalar 2 rows)");
var t = new System.Collections.Generic.List<double>[names.Count]; for (int i = 0; i < t.Length; i++) t[i] = new();
for (int round = 0; round < 60; round++)
  for (int c = 0; c < names.Count; c++) {
    var sw = Stopwatch.StartNew();
    for (int i = 0; i < n; i++) {
      if (c == 0) K.Dot(ref W, ref B, ref X, ref Y1, 64);
      else if (c == 1) K.Pack8(ref W, ref WP);
      else if (c < names.Count - 2) K.Packed(ref WP, ref B, ref X, ref Y2, 64, kcs[c-2]);
      else if (c == names.Count - 2) { K.Pack8(ref W, ref WP); K.Packed(ref WP, ref B, ref X, ref Y2, 64, 784); } else K.Dot6x2(ref W, ref B, ref X, ref Y2, 64);
    }
    if (round >= 10) t[c].Add(sw.Elapsed.TotalMicroseconds / n);
  }
for (int c = 0; c < names.Count; c++) { t[c].Sort(); Console.WriteLine($"{names[c],-22} min {t[c][0],8:F1} median {t[c][t[c].Count/2],8:F1} µs  ({13.0e6/64*64/ (t[c][0]*1e3):F1} GFLOP/s at min)"); }
