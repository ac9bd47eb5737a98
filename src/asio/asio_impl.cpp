// The one translation unit that compiles Boost.Asio, Asio's TLS layer and Beast.
// Every other file is built with BOOST_ASIO_SEPARATE_COMPILATION / BOOST_BEAST_SEPARATE_COMPILATION
// and so only sees declarations: this keeps a rebuild on 2 cores short.
#include <boost/asio/impl/src.hpp>
#include <boost/asio/ssl/impl/src.hpp>
#include <boost/beast/src.hpp>
