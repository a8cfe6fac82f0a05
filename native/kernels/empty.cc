// Placeholder translation unit for the avx2 static library when a CPU family has no
// instruction-set-specific files (gyp needs at least one source per target).
namespace nativenn {
int avx2_library_placeholder = 0;
}
