{
  # Sources come from native/sources.json, the same list CMakeLists.txt reads.
  # "portable" files build for any CPU; "avx2" files get -mavx2 -mfma and "avx512" files
  # -mavx512f on their own, and are only called after a run-time CPU check (DESIGN.md section 5).
  # -fno-math-errno (not fast-math: results are unchanged, errno is never read) lets GCC
  # vectorize loops that call sqrt (the optimizer updates).
  # NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS: a throw into an environment that is stopping (a
  # worker_thread being terminated) is dropped instead of escaping as a C++ exception, which
  # would abort the whole process (std::terminate). CMakeLists.txt has the same defines.
  # Off x86 (arm64) the avx2 and avx512 targets compile only the empty placeholder, so nothing
  # x86-specific is built there.
  # NATIVENN_STATIC_RUNTIME=1 (set by scripts/prebuild.js) links libstdc++ and libgcc into the
  # addon, so a prebuilt binary needs only glibc; source builds link them dynamically (some
  # distributions do not install the static libstdc++).
  "variables": {
    "nativenn_static_runtime%": "<!(node -p \"process.env.NATIVENN_STATIC_RUNTIME === '1' ? 1 : 0\")"
  },
  "targets": [
    {
      "target_name": "nativenn_avx2",
      "type": "static_library",
      "include_dirs": ["native"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fPIC"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "sources": ["<!@(node -p \"require('./native/sources.json').avx2.join(' ') || 'native/kernels/empty.cc'\")"],
          "cflags_cc": ["-mavx2", "-mfma"]
        }, {
          "sources": ["native/kernels/empty.cc"]
        }]
      ]
    },
    {
      "target_name": "nativenn_avx512",
      "type": "static_library",
      "include_dirs": ["native"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno", "-fPIC"],
      "conditions": [
        ["target_arch=='x64' or target_arch=='ia32'", {
          "sources": ["<!@(node -p \"require('./native/sources.json').avx512.join(' ') || 'native/kernels/empty.cc'\")"],
          "cflags_cc": ["-mavx512f"]
        }, {
          "sources": ["native/kernels/empty.cc"]
        }]
      ]
    },
    {
      "target_name": "nativenn",
      "sources": ["<!@(node -p \"require('./native/sources.json').portable.join(' ')\")"],
      "dependencies": ["nativenn_avx2", "nativenn_avx512"],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_CPP_EXCEPTIONS_ALL", "NODE_ADDON_API_DISABLE_DEPRECATED", "NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fno-math-errno"],
      "libraries": ["-lpthread"],
      "conditions": [
        ["OS=='linux' and nativenn_static_runtime==1", {
          "ldflags": ["-static-libstdc++", "-static-libgcc", "-Wl,--exclude-libs,ALL"]
        }]
      ],
      "xcode_settings": {
        "GCC_ENABLE_CPP_EXCEPTIONS": "YES",
        "CLANG_CXX_LANGUAGE_STANDARD": "c++17",
        "OTHER_CPLUSPLUSFLAGS": ["-O3", "-fno-math-errno"]
      },
      "msvs_settings": { "VCCLCompilerTool": { "ExceptionHandling": 1 } }
    }
  ]
}
