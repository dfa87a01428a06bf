#include <catch2/catch.hpp>

#include "music/primer.h"

using namespace drumrnn;

static const DrumConfig& kit() { return drum_config("drum_kit"); }

TEST_CASE("primer_drums parses Magenta's list of tuples", "[music]") {
  CHECK(parse_primer_drums("[(36,)]", kit()) == std::vector<PitchSet>{{36}});
  CHECK(parse_primer_drums(" [ (36, 42) , ( ), (42,) ] ", kit()) ==
        std::vector<PitchSet>{{36, 42}, {}, {42}});
  CHECK(parse_primer_drums("[]", kit()).empty());
  CHECK(parse_primer_drums("[(36,),]", kit()).size() == 1);  // Python allows a trailing comma
}

TEST_CASE("malformed primers are one-line errors", "[music]") {
  CHECK_THROWS_WITH(parse_primer_drums("[(36)]", kit()), Catch::Contains("trailing comma"));
  CHECK_THROWS_WITH(parse_primer_drums("(36,)", kit()), Catch::Contains("expected '['"));
  CHECK_THROWS_WITH(parse_primer_drums("[(36,42]", kit()), Catch::Contains("expected ',' or ')'"));
  CHECK_THROWS_WITH(parse_primer_drums("[(300,)]", kit()), Catch::Contains("out of range"));
  CHECK_THROWS_WITH(parse_primer_drums("[(90,)]", kit()), Catch::Contains("no drum_kit class"));
  CHECK_NOTHROW(parse_primer_drums("[(90,)]", drum_config("one_drum")));
  CHECK_THROWS_AS(parse_primer_drums("[(36,)] x", kit()), PrimerError);
}

// facts §10.9: drum_kit, 120 qpm.
static GenerationPlan plan(const std::string& primer, int64_t num_steps) {
  DrumTrack t;
  t.events = parse_primer_drums(primer, kit());
  return plan_generation(drum_track_to_sequence(t, 120), kit(), 120, num_steps);
}

TEST_CASE("generation set-up matches Magenta's (facts 10.9)", "[music]") {
  auto p = plan("[(36,)]", 128);
  CHECK(p.primer.start_step == 0);
  CHECK(p.primer.events == std::vector<PitchSet>{{36}, {}, {}});
  CHECK(p.total_steps == 128);

  p = plan("[(36,42),(),(),(),(42,),(),(),()]", 128);
  CHECK(p.primer.events.size() == 7);
  CHECK(p.total_steps == 128);
  p = plan("[(36,42),(),(),(),(42,),(),(),()]", 32);
  CHECK(p.total_steps == 32);

  p = plan("[(),(),(),(),(36,)]", 128);
  CHECK(p.primer.events == std::vector<PitchSet>{{}, {}, {}, {}, {36}, {}, {}});

  p = plan("[(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(),(36,)]", 128);
  CHECK(p.primer.start_step == 16);
  CHECK(p.primer.events == std::vector<PitchSet>{{}, {36}, {}, {}});
  CHECK(p.total_steps == 112);
}

TEST_CASE("num_steps shorter than the primer is an error", "[music]") {
  CHECK_THROWS_AS(plan("[(36,),(),(),(),(),(),(),(38,)]", 8), PrimerError);
  CHECK_THROWS_AS(plan("[(36,)]", 2), PrimerError);
}
