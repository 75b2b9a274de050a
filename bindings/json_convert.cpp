#include "json_convert.hpp"

#include <cstdint>

#include "cathedral/scenario.hpp"

namespace py = pybind11;

namespace cathedral::bindings {

namespace {
std::string shown(const std::string& path) { return path.empty() ? "(root)" : path; }

// No scenario nests deeper than a handful of levels; a limit keeps cyclic or
// absurdly deep input from exhausting the stack.
constexpr int kMaxDepth = 64;

std::string text(py::handle s, const std::string& path) {
  try {
    return s.cast<std::string>();
  } catch (const py::cast_error&) {
    PyErr_Clear();
    throw ScenarioError({shown(path) + ": must be valid text (it cannot be encoded as UTF-8)"});
  }
}

nlohmann::json convert(py::handle obj, const std::string& path, int depth);
}  // namespace

nlohmann::json to_json(py::handle obj, const std::string& path) { return convert(obj, path, 0); }

namespace {
nlohmann::json convert(py::handle obj, const std::string& path, int depth) {
  if (depth > kMaxDepth)
    throw ScenarioError({shown(path) + ": nested more than " + std::to_string(kMaxDepth) +
                         " levels deep (a cycle?)"});
  if (obj.is_none()) return nullptr;
  if (py::isinstance<py::bool_>(obj)) return obj.cast<bool>();
  if (py::isinstance<py::int_>(obj)) {
    try {
      return obj.cast<std::int64_t>();
    } catch (const py::cast_error&) {
    }
    try {
      return obj.cast<std::uint64_t>();
    } catch (const py::cast_error&) {
    }
    PyErr_Clear();
    throw ScenarioError({shown(path) + ": integer out of range, got " + py::str(obj).cast<std::string>()});
  }
  if (py::isinstance<py::float_>(obj)) return obj.cast<double>();
  if (py::isinstance<py::str>(obj)) return text(obj, path);
  static const py::handle mapping_type = py::object(py::module_::import("collections.abc").attr("Mapping")).release();
  if (py::isinstance<py::dict>(obj) || py::isinstance(obj, mapping_type)) {
    nlohmann::json out = nlohmann::json::object();
    py::object items = py::reinterpret_borrow<py::object>(obj).attr("items")();
    for (auto item : items) {
      auto pair = py::reinterpret_borrow<py::tuple>(item);
      if (!py::isinstance<py::str>(pair[0]))
        throw ScenarioError({shown(path) + ": keys must be strings, got " + py::repr(pair[0]).cast<std::string>()});
      const std::string key = text(pair[0], path);
      out[key] = convert(pair[1], path.empty() ? key : path + "." + key, depth + 1);
    }
    return out;
  }
  if (py::isinstance<py::list>(obj) || py::isinstance<py::tuple>(obj)) {
    nlohmann::json out = nlohmann::json::array();
    std::size_t i = 0;
    for (auto item : obj) {
      out.push_back(convert(item, path + "[" + std::to_string(i) + "]", depth + 1));
      ++i;
    }
    return out;
  }
  // numpy scalars and arrays, and anything else list-like of numbers
  if (py::hasattr(obj, "tolist")) return convert(obj.attr("tolist")(), path, depth + 1);
  throw ScenarioError({shown(path) + ": must be a JSON value (number, string, bool, list, dict or None), got " +
                       py::str(py::type::of(obj).attr("__name__")).cast<std::string>()});
}
}  // namespace

py::object from_json(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null:
      return py::none();
    case nlohmann::json::value_t::boolean:
      return py::bool_(j.get<bool>());
    case nlohmann::json::value_t::number_integer:
      return py::int_(j.get<std::int64_t>());
    case nlohmann::json::value_t::number_unsigned:
      return py::int_(j.get<std::uint64_t>());
    case nlohmann::json::value_t::number_float:
      return py::float_(j.get<double>());
    case nlohmann::json::value_t::string:
      return py::str(j.get<std::string>());
    case nlohmann::json::value_t::array: {
      py::list out;
      for (const auto& item : j) out.append(from_json(item));
      return out;
    }
    case nlohmann::json::value_t::object: {
      py::dict out;
      for (const auto& [key, value] : j.items()) out[py::str(key)] = from_json(value);
      return out;
    }
    default:
      return py::none();
  }
}

}  // namespace cathedral::bindings
