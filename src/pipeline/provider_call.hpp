#pragma once
// The terminal filter of the proxied endpoints: routes one request to its deployments with the
// router, retrying and falling back as DESIGN §4 says. Private to the pipeline module.

#include <memory>

#include "switchyard/config/config.hpp"
#include "switchyard/pipeline/filter.hpp"
#include "switchyard/providers/provider.hpp"
#include "switchyard/router/router.hpp"

namespace switchyard::pipeline {

std::unique_ptr<Filter> makeProviderCallFilter(const config::Config& cfg, const router::Router& router,
                                               providers::Providers& providers);

}  // namespace switchyard::pipeline
