#include "plugin_host/elf_check.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace gatehouse {
namespace {

#if defined(__x86_64__)
constexpr uint16_t host_machine = EM_X86_64;
#elif defined(__aarch64__)
constexpr uint16_t host_machine = EM_AARCH64;
#else
#error "add this machine's e_machine to elf_check.cpp"
#endif

std::string machine_name(uint16_t machine) {
  switch (machine) {
    case EM_386: return "i386";
    case EM_ARM: return "arm";
    case EM_X86_64: return "x86_64";
    case EM_AARCH64: return "aarch64";
    case EM_RISCV: return "riscv";
    case EM_PPC64: return "ppc64";
    case EM_S390: return "s390x";
    default: return "e_machine " + std::to_string(machine);
  }
}

}  // namespace

std::optional<std::string> elf_problem(const std::filesystem::path& file) {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(file, ec);
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr h{};
  if (ec || !in.read(reinterpret_cast<char*>(&h), sizeof h)) {
    if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) == 0)
      return "truncated: shorter than its ELF header";
    return "not a shared library (no ELF header)";
  }
  if (std::memcmp(h.e_ident, ELFMAG, SELFMAG) != 0) return "not a shared library (no ELF header)";
  if (h.e_ident[EI_CLASS] != ELFCLASS64) return "a 32-bit ELF file; this host loads 64-bit ones";
  if (h.e_ident[EI_DATA] != ELFDATA2LSB) return "an ELF file of the other byte order";
  if (h.e_machine != host_machine)
    return "an ELF file for " + machine_name(h.e_machine) + "; this host is " +
           machine_name(host_machine);
  if (h.e_type != ET_DYN)
    return "an ELF file that is not a shared library (e_type " + std::to_string(h.e_type) + ")";
  uint64_t table = uint64_t{h.e_phnum} * sizeof(Elf64_Phdr);
  if (h.e_phentsize != sizeof(Elf64_Phdr) || h.e_phoff > size || table > size - h.e_phoff)
    return "truncated or damaged: its program headers lie past its end (" + std::to_string(size) +
           " bytes)";
  std::vector<Elf64_Phdr> segments(h.e_phnum);
  in.seekg(static_cast<std::streamoff>(h.e_phoff));
  if (!in.read(reinterpret_cast<char*>(segments.data()), static_cast<std::streamsize>(table)))
    return "truncated: its program headers cannot be read";
  for (const Elf64_Phdr& s : segments) {
    if (s.p_type != PT_LOAD && s.p_type != PT_DYNAMIC) continue;
    if (s.p_filesz > size || s.p_offset > size - s.p_filesz)
      return "truncated: a segment needs bytes up to " + std::to_string(s.p_offset + s.p_filesz) +
             ", the file has " + std::to_string(size);
  }
  return std::nullopt;
}

}  // namespace gatehouse
