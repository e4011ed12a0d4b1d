#!/usr/bin/env bash
# Runs the benchmarks with TorchSharp as a peer, in one command:
#
#   Benchmarks/torchsharp.sh --quick            # or any other arguments of the benchmark program
#   Benchmarks/torchsharp.sh --filter '*' --inprocess
#
# TorchSharp 0.107's native glue (libLibTorchSharp.so) needs GLIBCXX_3.4.32; Debian 12's libstdc++ has 3.4.30. So
# this script, as root on Debian 12:
#   1. downloads Debian 13's libc6, libstdc++6 and libgcc-s1 with apt-get through a private sources list (same mirror
#      as the machine's, suite trixie) and unpacks them with dpkg-deb into a private sysroot, installing nothing;
#   2. builds a copy of the benchmark sources with -p:WithTorchSharp=true in a separate folder (the TorchSharp-cpu
#      package is large, so the solution's normal build leaves it out);
#   3. copies the program's apphost, points the copy's ELF interpreter at the sysroot's loader with patchelf, and runs
#      it with LD_LIBRARY_PATH on the sysroot's libraries. The .NET runtime and LibTorch then run on glibc 2.41.
# Full BenchmarkDotNet runs start child processes with the system loader, so pass --inprocess there.
# Everything lives under $NC_TORCH_ROOT (default /tmp/nc-torch); delete it to start over.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/.." && pwd)"
root="${NC_TORCH_ROOT:-/tmp/nc-torch}"
sysroot="$root/sysroot"
loader="$sysroot/usr/lib64/ld-linux-x86-64.so.2"
libs="$sysroot/usr/lib/x86_64-linux-gnu"
mkdir -p "$root"

log() { echo "torchsharp.sh: $*" >&2; }

# 1. Debian 13's C and C++ runtime, unpacked privately.
if [ ! -x "$loader" ] || [ ! -e "$libs/libstdc++.so.6" ]; then
  command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { log "needs apt-get and dpkg-deb (Debian)"; exit 1; }
  apt_dir="$root/apt"
  mkdir -p "$apt_dir/lists/partial" "$apt_dir/cache/archives/partial" "$apt_dir/parts" "$root/debs"
  mirror=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    mirror="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  elif [ -f /etc/apt/sources.list ]; then
    mirror="$(awk '$1 == "deb" && $2 !~ /^\[/ { print $2; exit } $1 == "deb" { print $3; exit }' /etc/apt/sources.list)"
  fi
  [ -n "$mirror" ] || { log "could not find the machine's Debian mirror in /etc/apt"; exit 1; }
  echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] $mirror trixie main" > "$apt_dir/sources.list"
  apt_opts=(-o "Dir::Etc::SourceList=$apt_dir/sources.list" -o "Dir::Etc::SourceParts=$apt_dir/parts"
            -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir/cache")
  log "fetching Debian 13's libc6, libstdc++6, libgcc-s1 into $root/debs"
  apt-get "${apt_opts[@]}" -qq update
  (cd "$root/debs" && apt-get "${apt_opts[@]}" -qq download libc6 libstdc++6 libgcc-s1)
  for deb in "$root"/debs/*.deb; do dpkg-deb -x "$deb" "$sysroot"; done
fi

if ! command -v patchelf >/dev/null; then
  log "installing patchelf"
  # A fresh machine's package lists may be empty: update them once if the first attempt cannot find the package.
  apt-get install -y -qq patchelf >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq patchelf >/dev/null; }
fi

# 2. Build a private copy of the sources with TorchSharp in.
src="$root/src"
mkdir -p "$src"
(cd "$repo" && tar --exclude=bin --exclude=obj -cf - Directory.Build.props global.json Generator Runtime Benchmarks) | (cd "$src" && tar -xf -)
log "building with -p:WithTorchSharp=true in $src (the first time restores TorchSharp-cpu, about 1 GB)"
dotnet build "$src/Benchmarks/NetCompiler.Benchmarks.csproj" -c Release -p:WithTorchSharp=true -nologo -v:q -clp:ErrorsOnly

# 3. A copy of the apphost whose loader is the sysroot's.
out="$src/Benchmarks/bin/Release/net10.0"
cp "$out/NetCompiler.Benchmarks" "$out/NetCompiler.Benchmarks.glibc241"
patchelf --set-interpreter "$loader" "$out/NetCompiler.Benchmarks.glibc241"

dotnet_root="${DOTNET_ROOT:-$(dirname "$(readlink -f "$(command -v dotnet)")")}"
export DOTNET_ROOT="$dotnet_root"
export LD_LIBRARY_PATH="$libs${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
cd "$src"
exec "$out/NetCompiler.Benchmarks.glibc241" "$@"
