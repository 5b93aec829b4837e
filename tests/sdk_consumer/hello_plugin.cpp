// The smallest useful plugin: one model per non-empty line of the sample.
#include <gatehouse/plugin.hpp>

class Hello {
 public:
  explicit Hello(gatehouse::Host host) {
    host.require_known_options({"owner"});
    owner_ = host.option_or("owner", "hello");
  }

  void fetch(gatehouse::ModelSink&) {
    throw gatehouse::Error(GATEHOUSE_ERR_UNSUPPORTED, "hello has no upstream");
  }

  void normalize(std::string_view bytes, gatehouse::ModelSink& sink) {
    while (!bytes.empty()) {
      std::string_view line = bytes.substr(0, bytes.find('\n'));
      bytes.remove_prefix(std::min(bytes.size(), line.size() + 1));
      if (line.empty()) continue;
      std::string id = owner_ + "/" + std::string(line);
      gatehouse::Model model;
      model.id = id;
      sink.emit(model);
    }
  }

 private:
  std::string owner_;
};

GATEHOUSE_PLUGIN(Hello, "hello", "0.0.1", "Says hello from outside the tree")
