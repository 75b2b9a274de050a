// Scenario parsing, validation and serialisation (docs/model.md §2, §3.0, §5, §6, §9).
//
// The field tables of core/src/schema_scenario.cpp say what each object
// holds; the driver (cathedral/schema/driver.hpp) reads them. Every problem is
// reported as "PATH: RULE", e.g. "accounts[3].contacts[0].influence: must be
// >= 0, got -1"; the parser collects all problems in one pass and throws a
// single ScenarioError.
#include "cathedral/scenario.hpp"

#include <filesystem>
#include <fstream>
#include <istream>
#include <iterator>
#include <set>
#include <string>
#include <vector>

#include "cathedral/schema/scenario_tables.hpp"

namespace cathedral {

using json = nlohmann::json;

namespace {

std::string join_lines(const std::vector<std::string>& lines) {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

void throw_if_problems(schema::Reader& r) {
  if (!r.problems.empty()) throw ScenarioError(std::move(r.problems));
}

// Where the parser is, for the duplicate-key check: one level per open
// object (its keys so far) or array (the index of the element being read).
struct Level {
  bool array = false;
  std::size_t index = 0;
  std::string key;
  std::set<std::string> keys;
};

std::string path_of(const std::vector<Level>& levels, const std::string& key) {
  std::string path;
  for (std::size_t i = 0; i + 1 < levels.size(); ++i) {
    const Level& l = levels[i];
    if (l.array)
      path += "[" + std::to_string(l.index) + "]";
    else
      path += (path.empty() ? "" : ".") + l.key;
  }
  return path + (path.empty() ? "" : ".") + key;
}

// An element of the enclosing array is complete.
void element_done(std::vector<Level>& levels) {
  if (!levels.empty() && levels.back().array) ++levels.back().index;
}

// A parse error's message with its bytes made printable (a message quoting
// invalid UTF-8 would not reach Python), and the byte offset of the fault.
std::string printable(const std::string& text) {
  std::string what;
  for (const unsigned char c : text) {
    if (c >= 0x20 && c < 0x7f) {
      what += static_cast<char>(c);
    } else {
      static const char* hex = "0123456789abcdef";
      what += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    }
  }
  return what;
}

std::string parse_error_text(const json::parse_error& e) {
  return "invalid JSON: " + printable(e.what()) + " (byte offset " + std::to_string(e.byte == 0 ? 0 : e.byte - 1) +
         ")";
}

// The offset of the first byte that does not start or continue a well-formed
// UTF-8 sequence (RFC 3629: no overlong forms, surrogates or values above
// U+10FFFF), or npos.
std::size_t invalid_utf8_at(const std::string& text) {
  const auto* b = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned c = b[i];
    std::size_t len = 0;
    unsigned lo = 0x80, hi = 0xbf;  // the range of the second byte
    if (c < 0x80) len = 1;
    else if (c >= 0xc2 && c <= 0xdf) len = 2;
    else if (c >= 0xe0 && c <= 0xef) len = 3, lo = c == 0xe0 ? 0xa0 : 0x80, hi = c == 0xed ? 0x9f : 0xbf;
    else if (c >= 0xf0 && c <= 0xf4) len = 4, lo = c == 0xf0 ? 0x90 : 0x80, hi = c == 0xf4 ? 0x8f : 0xbf;
    else return i;
    if (i + len > n) return i;
    for (std::size_t k = 1; k < len; ++k) {
      const unsigned d = b[i + k];
      if (k == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xbf)) return i;
    }
    i += len;
  }
  return std::string::npos;
}

void check_path(const std::string& file_path) {
  if (file_path.find('\0') != std::string::npos)
    throw ScenarioError({"path: must not contain a NUL character, got a path of " + std::to_string(file_path.size()) +
                         " characters with one at " + std::to_string(file_path.find('\0'))});
  if (file_path.empty()) throw ScenarioError({"path: must not be empty"});
}

}  // namespace

json parse_scenario_text(std::istream& in, const std::string& where) {
  std::vector<Level> levels;
  // Duplicate keys: the parser would keep the last one silently.
  const json::parser_callback_t check_keys = [&](int, json::parse_event_t event, json& parsed) {
    switch (event) {
      case json::parse_event_t::object_start:
      case json::parse_event_t::array_start:
        levels.emplace_back();
        levels.back().array = event == json::parse_event_t::array_start;
        break;
      case json::parse_event_t::key: {
        Level& l = levels.back();
        l.key = parsed.get<std::string>();
        if (!l.keys.insert(l.key).second)
          throw ScenarioError({where + path_of(levels, l.key) + ": duplicate key (a JSON object may name a key once)"});
        break;
      }
      case json::parse_event_t::object_end:
      case json::parse_event_t::array_end:
        levels.pop_back();
        element_done(levels);
        break;
      case json::parse_event_t::value:
        element_done(levels);
        break;
    }
    return true;
  };
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // JSON text is UTF-8 (RFC 8259); the parser's own message would quote the bad bytes
  const std::size_t bad = invalid_utf8_at(text);
  if (bad != std::string::npos) {
    std::size_t line = 1, column = 1;
    for (std::size_t i = 0; i < bad; ++i) {
      if (text[i] == '\n') ++line, column = 1;
      else ++column;
    }
    throw ScenarioError({where + "invalid UTF-8 at byte offset " + std::to_string(bad) + " (line " +
                         std::to_string(line) + ", byte " + std::to_string(column) + " of the line)"});
  }
  try {
    return json::parse(text, check_keys);
  } catch (const json::parse_error& e) {
    throw ScenarioError({where + parse_error_text(e)});
  } catch (const json::exception& e) {  // e.g. a number beyond the doubles (1e+380)
    throw ScenarioError({where + "invalid JSON: " + printable(e.what())});
  }
}

ScenarioError::ScenarioError(std::vector<std::string> problems)
    : std::invalid_argument(join_lines(problems)), problems_(std::move(problems)) {}

Scenario scenario_from_json(const json& j) {
  Scenario s;
  schema::Reader r;
  r.scenario = &s;  // shocks and the policy refer to the accounts read before them
  schema::scenario_table().read(s, j, "", r, 0);
  throw_if_problems(r);
  return s;
}

json scenario_to_json(const Scenario& s) { return schema::scenario_table().write(s); }

PolicySpec policy_from_json(const json& j, const Scenario& s, const std::string& path) {
  PolicySpec p;
  schema::Reader r;
  r.scenario = &s;
  schema::policy_variants().read(p, j, path, r, 0);
  throw_if_problems(r);
  return p;
}

json policy_to_json(const PolicySpec& p) { return schema::policy_variants().write(p); }

Scenario load_scenario(const std::string& file_path) {
  check_path(file_path);
  std::error_code ec;
  if (std::filesystem::is_directory(file_path, ec))
    throw ScenarioError({file_path + ": is a folder, not a scenario file"});
  std::ifstream in(file_path, std::ios::binary);
  if (!in) throw ScenarioError({file_path + ": cannot open file"});
  json j;
  try {
    j = parse_scenario_text(in, file_path + ": ");
  } catch (const ScenarioError&) {
    throw;
  } catch (const std::exception& e) {  // e.g. a read error
    throw ScenarioError({file_path + ": cannot read: " + e.what()});
  }
  return scenario_from_json(j);
}

void save_scenario(const Scenario& s, const std::string& file_path) {
  check_path(file_path);
  validate(s);  // never write a file that cannot be loaded back
  const std::string text = scenario_to_json(s).dump(2, ' ', false, json::error_handler_t::replace) + "\n";
  // Written under a temporary name in the same folder, then renamed over the
  // target: a failed write leaves the old file (or none), never half a file.
  const std::string tmp = file_path + ".tmp-cathedral";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw ScenarioError({file_path + ": cannot open file for writing"});
    out << text;
    out.flush();
    if (!out) {
      out.close();
      std::error_code ignored;
      std::filesystem::remove(tmp, ignored);
      throw ScenarioError({file_path + ": write failed"});
    }
  }
  std::error_code ec;
  std::filesystem::rename(tmp, file_path, ec);
  if (ec) {
    std::error_code ignored;
    std::filesystem::remove(tmp, ignored);
    throw ScenarioError({file_path + ": cannot write: " + ec.message()});
  }
}

void validate(const Scenario& s) {
  // scenario_to_json keeps every value (NaN and infinities included: the
  // json object is never turned into text here), so parsing it back applies
  // exactly the checks, paths and messages of a scenario file.
  (void)scenario_from_json(scenario_to_json(s));
}

}  // namespace cathedral
