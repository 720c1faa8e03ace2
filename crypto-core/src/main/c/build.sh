#!/usr/bin/env bash
# Builds the optional native AES-256-GCM backend (libsodium, statically linked) into the module's
# classes as dev/pipeseal/crypto/aead/native/linux-x86_64/libpipeseal_gcm.so. Called by Maven at
# process-classes with the classes directory and the JDK home. Without gcc, libsodium-dev or jni.h
# it builds nothing and the library runs on JCE alone, unless PIPESEAL_NATIVE=required (CI), which
# makes a missing toolchain an error.
set -euo pipefail
classes="$1"
jdk="$2"
src="$(cd "$(dirname "$0")" && pwd)"
out="$classes/dev/pipeseal/crypto/aead/native/linux-x86_64"
mode="${PIPESEAL_NATIVE:-auto}"
if [ "$mode" = "off" ]; then
  echo "[pipeseal] native AES-GCM backend not built (PIPESEAL_NATIVE=off)"
  exit 0
fi
sodium_a=""
for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
  [ -f "$d/libsodium.a" ] && sodium_a="$d/libsodium.a" && break
done
missing=()
[ "$(uname -s)-$(uname -m)" = "Linux-x86_64" ] || missing+=("linux-x86_64")
command -v gcc >/dev/null 2>&1 || missing+=("gcc")
[ -f /usr/include/sodium.h ] && [ -n "$sodium_a" ] || missing+=("libsodium-dev")
[ -f "$jdk/include/jni.h" ] || missing+=("jni.h under $jdk/include")
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$mode" = "required" ]; then
    echo "[pipeseal] PIPESEAL_NATIVE=required, but the native backend needs: ${missing[*]}" >&2
    exit 1
  fi
  echo "[pipeseal] native AES-GCM backend not built (missing: ${missing[*]}); JCE only"
  exit 0
fi
mkdir -p "$out"
# Static libsodium, its symbols hidden: the library needs nothing installed where it runs.
gcc -O2 -shared -fPIC -Wall -Wextra -Werror -fvisibility=hidden \
  -I"$jdk/include" -I"$jdk/include/linux" \
  "$src/pipeseal_gcm.c" "$sodium_a" \
  -Wl,--exclude-libs,ALL -Wl,-z,noexecstack -Wl,-z,relro,-z,now \
  -o "$out/libpipeseal_gcm.so.tmp"
mv "$out/libpipeseal_gcm.so.tmp" "$out/libpipeseal_gcm.so"
echo "[pipeseal] native AES-GCM backend built: $out/libpipeseal_gcm.so"
