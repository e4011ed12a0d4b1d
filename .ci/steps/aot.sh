#!/usr/bin/env bash
# Publishes Samples/AotPredict with NativeAOT and checks that (1) the publish has no warnings (trimming, AOT or
# other), (2) the native binary's predictions are bit-identical to the JIT build's on the same kernels, and (3) on an
# emulated CPU without AVX-512 (QEMU's Haswell) the binary starts and predicts the same, while on one without AVX2
# (Nehalem) the x86-64-v3 default stops with the runtime's message instead of an illegal instruction.
set -euo pipefail

command -v clang >/dev/null || { apt-get update && apt-get install -y clang zlib1g-dev; }
[ -e /usr/include/zlib.h ] || { apt-get update && apt-get install -y zlib1g-dev; }
command -v qemu-x86_64 >/dev/null || { apt-get update && apt-get install -y qemu-user; }

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

# The instruction sets the binary requires are checked when it starts. QEMU's named CPU models are fixed feature
# lists, and its emulator implements AVX2 and FMA but no AVX-512.
haswell=$(qemu-x86_64 -cpu Haswell-noTSX-IBRS "$out/aot/NetCompiler.Samples.AotPredict" 2>"$out/haswell.err") || {
  grep -v "TCG doesn.t support" "$out/haswell.err" >&2
  echo "aot: the binary does not run on an emulated Haswell (AVX2, no AVX-512)" >&2
  exit 1
}
if [ "$haswell" != "$aot" ]; then
  echo "aot: on an emulated Haswell the binary predicts otherwise:" >&2
  echo "$haswell" >&2
  exit 1
fi
echo "aot: on an emulated Haswell (no AVX-512) the binary starts and predicts the same"
if [ ${#extra[@]} -eq 0 ]; then
  if (qemu-x86_64 -cpu Nehalem "$out/aot/NetCompiler.Samples.AotPredict") >/dev/null 2>"$out/nehalem.err" \
    || ! grep -q "required instruction sets are not supported" "$out/nehalem.err"; then
    grep -v "TCG doesn.t support" "$out/nehalem.err" >&2
    echo "aot: on an emulated Nehalem (no AVX2) the x86-64-v3 binary did not stop with the runtime's message" >&2
    exit 1
  fi
  echo "aot: on an emulated Nehalem (no AVX2) the binary stops: required instruction sets are not supported"
fi
