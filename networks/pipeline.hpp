// pipeline: a chain of stages, built into a network between two given ends.
//
//   in --> [p[0]] --p[0]->p[1]--> [p[1]] --p[1]->p[2]--> [p[2]] --> out
//
//   csp::networks::pipeline(net, "p", numbers.reader(), results.writer(),
//                           csp::networks::successor<int>,     // a process body
//                           csp::networks::map(square{}),      // a stage
//                           [](const int& v) { return v / 2; });  // an element function
//
// The stages are spawned as processes named after the pipeline (p[0], p[1], ...), joined by
// channels it makes and names (p[0]->p[1], ...), rendezvous unless the options say otherwise.
// What each link carries is worked out from left to right: a stage is
//   - a map_stage or reduce_stage (stages.hpp): it writes what its function gives;
//   - an element function of the value before it (`Out f(const In&) const`): it becomes a
//     map_stage, and writes Out;
//   - a process body taking (csp::reader<A>, csp::writer<B>) by value (a function, a function
//     template instance such as successor<int>, a lambda with those parameter types): it
//     writes B.
// Termination: the pipeline has no rule of its own; end-of-stream, csp::retired and poison
// travel through it as each stage's rule says (every component of this library passes
// end-of-stream on and ends when its reader retires).
#pragma once

#include <cstddef>
#include <string>
#include <type_traits>
#include <utility>

#include <csp/channel.hpp>
#include <csp/ends.hpp>
#include <csp/network.hpp>
#include <networks/stages.hpp>

namespace csp::networks {

/// How pipeline() joins its stages. Example: `pipeline(net, "p", {.link = csp::buffered(64)}, in, out, a, b)`.
struct pipeline_options {
  flavor link = rendezvous();  ///< the flavor of every channel between two stages
};

namespace detail {

/// B for a signature that takes (reader<A>, writer<B>); void for anything else.
template <class Signature>
struct written_type {
  using type = void;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>)> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) const> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) noexcept> {
  using type = B;
};
template <class R, class A, class B>
struct written_type<R(reader<A>, writer<B>) const noexcept> {
  using type = B;
};
template <class F>
struct written_type<F*> : written_type<F> {};
template <class F, class C>
struct written_type<F C::*> : written_type<F> {};

/// What a process-body stage S writes (see the top of this file).
template <class S>
struct body_output : written_type<S> {};
template <class S>
  requires requires { &S::operator(); }
struct body_output<S> : written_type<decltype(&S::operator())> {};

template <class S, class In>
struct stage_output {
  using type = typename body_output<S>::type;
  static_assert(!std::is_void_v<type>,
                "csp::networks::pipeline: cannot tell what this stage writes; give a map_stage, a "
                "reduce_stage, an element function of the value before it, or a process body "
                "taking (csp::reader<A>, csp::writer<B>) by value");
};
template <class F, class In>
struct stage_output<map_stage<F>, In> {
  static_assert(element_function<F, In>,
                "csp::networks::pipeline: a map_stage's function is not an element_function of "
                "the value before it");
  using type = element_result_t<F, In>;
};
template <class F, class T, class In>
struct stage_output<reduce_stage<F, T>, In> {
  using type = T;
};

/// The process body for stage `s` reading In: an element function becomes a map_stage.
template <class In, class S>
auto as_body(S&& s) {
  if constexpr (element_function<std::decay_t<S>, In>) {
    return map_stage<std::decay_t<S>>(std::forward<S>(s));
  } else {
    return std::decay_t<S>(std::forward<S>(s));
  }
}

inline std::string stage_name(const std::string& pipeline, std::size_t i) {
  return pipeline + "[" + std::to_string(i) + "]";
}

template <message In, message Out, class S, class... Rest>
void chain(network& net, const std::string& name, const pipeline_options& options, std::size_t i,
           reader<In> in, writer<Out> out, S&& stage, Rest&&... rest) {
  auto body = as_body<In>(std::forward<S>(stage));
  if constexpr (sizeof...(Rest) == 0) {
    net.spawn(stage_name(name, i), std::move(body), std::move(in), std::move(out));
  } else {
    using link_t = typename stage_output<decltype(body), In>::type;
    auto link = net.channel<link_t>(stage_name(name, i) + "->" + stage_name(name, i + 1), options.link);
    net.spawn(stage_name(name, i), std::move(body), std::move(in), link.writer());
    chain(net, name, options, i + 1, link.reader(), std::move(out), std::forward<Rest>(rest)...);
  }
}

}  // namespace detail

///   in --> [name[0]] --> [name[1]] --> ... --> [name[k-1]] --> out
/// Spawns `stages` into `net` as a chain from `in` to `out` (see the top of this file).
/// Example: `pipeline(net, "p", in.reader(), out.writer(), successor<int>, map(square{}));`
template <message In, message Out, class... Stages>
  requires(sizeof...(Stages) > 0)
void pipeline(network& net, const std::string& name, pipeline_options options, reader<In> in,
              writer<Out> out, Stages&&... stages) {
  detail::chain(net, name, options, 0, std::move(in), std::move(out), std::forward<Stages>(stages)...);
}

/// The same, with rendezvous links.
/// Example: `pipeline(net, "p", in.reader(), out.writer(), successor<int>, map(square{}));`
template <message In, message Out, class... Stages>
  requires(sizeof...(Stages) > 0)
void pipeline(network& net, const std::string& name, reader<In> in, writer<Out> out, Stages&&... stages) {
  pipeline(net, name, pipeline_options{}, std::move(in), std::move(out), std::forward<Stages>(stages)...);
}

}  // namespace csp::networks
