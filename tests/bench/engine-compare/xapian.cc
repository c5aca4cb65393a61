// SPDX-License-Identifier: MIT
// The Xapian side of the engine comparison (README.md beside this file):
// "index" indexes every mail of m/cur as maildesk first did (TermGenerator,
// English stemmer, STEM_SOME, positions) into xdb; "FILE" times the
// queries of FILE, one a line, 20 results each, collapsed by mail.
#include <xapian.h>
#include <fstream>
#include <sstream>
#include <iostream>
#include <chrono>
#include <ctime>
#include <dirent.h>
#include <vector>
#include <algorithm>
static double cpu() { return (double)clock() / CLOCKS_PER_SEC; }
int main(int argc, char **argv) {
  std::string mode = argv[1];
  if (mode == "index") {
    std::vector<std::string> names; DIR *d = opendir("m/cur"); struct dirent *e;
    while ((e = readdir(d))) if (e->d_name[0] != '.') names.push_back(e->d_name);
    std::sort(names.begin(), names.end());
    system("rm -rf xdb");
    double c0 = cpu(); auto w0 = std::chrono::steady_clock::now();
    Xapian::WritableDatabase db("xdb", Xapian::DB_CREATE|Xapian::DB_BACKEND_GLASS);
    Xapian::TermGenerator tg; tg.set_stemmer(Xapian::Stem("english"));
    tg.set_stemming_strategy(argc > 2 ? Xapian::TermGenerator::STEM_ALL : Xapian::TermGenerator::STEM_SOME);
    unsigned n = 0;
    for (auto &nm : names) { std::ifstream f("m/cur/" + nm); std::stringstream ss; ss << f.rdbuf(); std::string t = ss.str();
      size_t b = t.find("\n\n"); Xapian::Document doc; tg.set_document(doc); tg.index_text(t.substr(b)); doc.add_value(1, std::to_string(n++)); db.add_document(doc); }
    db.commit();
    std::cout << "xapian index cpu " << cpu() - c0 << " wall " << std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count() << "\n";
    return 0;
  }
  Xapian::Database db("xdb"); Xapian::QueryParser qp; qp.set_stemmer(Xapian::Stem("english")); qp.set_database(db); qp.set_default_op(Xapian::Query::OP_AND);
  std::ifstream qf(mode); std::string line; std::vector<double> ts; double c0 = cpu(); size_t hits = 0;
  while (std::getline(qf, line)) { auto w0 = std::chrono::steady_clock::now();
    Xapian::Enquire enq(db); enq.set_query(qp.parse_query(line)); enq.set_collapse_key(1); Xapian::MSet m = enq.get_mset(0, 20);
    for (auto it = m.begin(); it != m.end(); ++it) it.get_document().get_data();
    hits += m.size(); ts.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - w0).count()); }
  std::sort(ts.begin(), ts.end());
  std::cout << mode << " xapian median " << ts[ts.size()/2] << " p99 " << ts[(size_t)(ts.size()*0.99)] << " ms, cpu/query " << (cpu()-c0)*1000/ts.size() << " ms, hits " << hits << "\n";
}
