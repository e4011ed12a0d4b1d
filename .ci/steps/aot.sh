#!/usr/bin/env bash
# Publishes Samples/AotPredict with NativeAOT and checks that (1) the publish has no warnings (trimming, AOT or
# other) and (2) the native binary's predictions are bit-identical to the JIT build's on the same kernels.
set -euo pipefail

command -v clang >/dev/null || { apt-get update && apt-get install -y clang zlib1g-dev; }
[ -e /usr/include/zlib.h ] || { apt-get update && apt-get install -y zlib1g-dev; }

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The package's default for x64 is x86-64-v3 (AVX2 + FMA). A CPU without AVX2 could not start that binary, so
# there the step publishes the portable baseline instead.
extra=()
grep -qw avx2 /proc/cpuinfo || extra=(-p:IlcInstructionSet=x86-64-v2)

dotnet publish Samples/AotPredict -c Release -r linux-x64 -o "$out/aot" "${extra[@]}" -p:TreatWarningsAsErrors=true \
  2>&1 | tee "$out/publish.log"
if grep -E -q "warning (IL|CS|NU|MSB|NETSDK)[0-9]+" "$out/publish.log"; then
  echo "aot: the NativeAOT publish has warnings:" >&2
  grep -E "warning (IL|CS|NU|MSB|NETSDK)[0-9]+" "$out/publish.log" | sort -u >&2
  exit 1
fi

aot=$("$out/aot/NetCompiler.Samples.AotPredict")
echo "$aot"
path=$(sed -n 's/^kernels: //p' <<<"$aot")

# The JIT build on the same kernels as the AOT binary (the JIT would take the widest the machine has).
case "$path" in
  "AVX-512") env=() ;;
  "AVX2 + FMA") env=(DOTNET_EnableAVX512=0) ;;
  *) env=(DOTNET_EnableAVX2=0) ;;
esac
dotnet build Samples/AotPredict -c Release -o "$out/jit" >/dev/null
jit=$(env "${env[@]}" dotnet "$out/jit/NetCompiler.Samples.AotPredict.dll")
echo "JIT (${env[*]:-default}):"
echo "$jit"

if [ "$aot" != "$jit" ]; then
  echo "aot: the NativeAOT binary and the JIT build disagree" >&2
  exit 1
fi
echo "aot: no warnings; predictions bit-identical to the JIT build ($path kernels)"
