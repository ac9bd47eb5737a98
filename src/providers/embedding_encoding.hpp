#pragma once
// Embedding vectors as OpenAI sends them with `encoding_format: "base64"`: the little-endian
// float32 array, base64-encoded. Shared by every adapter that builds embeddings itself.

#include <string>
#include <vector>

namespace switchyard::providers {

std::string base64Float32(const std::vector<double>& v);

}  // namespace switchyard::providers
