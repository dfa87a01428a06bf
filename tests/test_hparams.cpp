#include <catch2/catch.hpp>

#include "ml/hparams.h"

using namespace drumrnn;

TEST_CASE("hparams defaults follow Magenta's configs, without attention", "[ml]") {
  const HParams kit = default_hparams("drum_kit");
  CHECK(kit.batch_size == 128);
  CHECK(kit.rnn_layer_sizes == std::vector<int>{256, 256, 256});
  CHECK(kit.dropout_keep_prob == 0.5f);
  CHECK(kit.attn_length == 0);  // Magenta: 32; drumrnn has no attention (see default_hparams)
  CHECK(kit.clip_norm == 3.0f);
  CHECK(kit.learning_rate == 0.001f);
  CHECK_FALSE(kit.residual_connections);

  const HParams one = default_hparams("one_drum");
  CHECK(one.batch_size == 128);
  CHECK(one.rnn_layer_sizes == std::vector<int>{128, 128});
  CHECK(one.dropout_keep_prob == 0.5f);
  CHECK(one.attn_length == 0);
  CHECK(one.clip_norm == 5.0f);
  CHECK(one.learning_rate == 0.001f);

  CHECK_THROWS_AS(default_hparams("basic_rnn"), HParamsError);
  CHECK_THROWS_WITH(default_hparams("basic_rnn"), Catch::Contains("drum_kit, one_drum"));
}

TEST_CASE("hparams parse Magenta's override syntax", "[ml]") {
  const HParams base = default_hparams("drum_kit");
  const HParams h = parse_hparams("batch_size=64,rnn_layer_sizes=[64,64],dropout_keep_prob=0.8", base);
  CHECK(h.batch_size == 64);
  CHECK(h.rnn_layer_sizes == std::vector<int>{64, 64});
  CHECK(h.dropout_keep_prob == 0.8f);
  CHECK(h.clip_norm == base.clip_norm);  // untouched

  const HParams spaced = parse_hparams("  learning_rate = 1e-3 , rnn_layer_sizes = [ 32 , 16 ] ,"
                                       " residual_connections=True, clip_norm=2 ,",
                                       base);
  CHECK(spaced.learning_rate == 1e-3f);
  CHECK(spaced.rnn_layer_sizes == std::vector<int>{32, 16});
  CHECK(spaced.residual_connections);
  CHECK(spaced.clip_norm == 2.0f);
  CHECK_FALSE(parse_hparams("residual_connections=false", spaced).residual_connections);
  CHECK(parse_hparams("residual_connections=true", base).residual_connections);
  CHECK_FALSE(parse_hparams("residual_connections=False", spaced).residual_connections);

  CHECK(parse_hparams("", base) == base);
  CHECK(parse_hparams("use_cudnn=true", base) == base);  // Magenta ignores it too
  CHECK(parse_hparams("attn_length=0", base).attn_length == 0);
}

TEST_CASE("hparams to_string round-trips", "[ml]") {
  for (const char* config : {"drum_kit", "one_drum"}) {
    const HParams h = default_hparams(config);
    CHECK(parse_hparams(hparams_to_string(h), HParams{}) == h);
  }
  const HParams odd = parse_hparams(
      "batch_size=7,rnn_layer_sizes=[3],dropout_keep_prob=0.3333333,learning_rate=2.5e-4,"
      "clip_norm=0.1,residual_connections=true",
      default_hparams("one_drum"));
  const std::string text = hparams_to_string(odd);
  CHECK(parse_hparams(text, default_hparams("drum_kit")) == odd);
  CHECK(hparams_to_string(default_hparams("drum_kit")) ==
        "batch_size=128,rnn_layer_sizes=[256,256,256],dropout_keep_prob=0.5,attn_length=0,clip_norm=3,"
        "learning_rate=0.001,residual_connections=false");
}

TEST_CASE("hparams reject bad names and values with one-line messages", "[ml]") {
  const HParams base = default_hparams("drum_kit");
  auto rejects = [&](const std::string& text, const std::string& fragment) {
    INFO(text);
    CHECK_THROWS_AS(parse_hparams(text, base), HParamsError);
    CHECK_THROWS_WITH(parse_hparams(text, base), Catch::Contains(fragment));
    try {
      parse_hparams(text, base);
    } catch (const HParamsError& e) {
      CHECK(std::string(e.what()).find('\n') == std::string::npos);
    }
  };
  rejects("batchsize=64", "valid: batch_size, rnn_layer_sizes");
  rejects("batch_size=64.5", "an integer");
  rejects("batch_size=", "an integer");
  rejects("batch_size=0", "batch_size must be positive");
  rejects("batch_size=-3", "batch_size must be positive");
  rejects("rnn_layer_sizes=64", "a list");
  rejects("rnn_layer_sizes=[64,0]", "rnn_layer_sizes must be positive");
  rejects("rnn_layer_sizes=[]", "at least one layer");
  rejects("rnn_layer_sizes=[64,,64]", "an integer");
  rejects("rnn_layer_sizes=[64,64", "unclosed");
  rejects("dropout_keep_prob=0", "(0, 1]");
  rejects("dropout_keep_prob=1.5", "(0, 1]");
  rejects("dropout_keep_prob=nan", "a finite number");
  rejects("dropout_keep_prob=abc", "a finite number");
  rejects("learning_rate=1e-3x", "a finite number");
  CHECK(parse_hparams("attn_length=32", HParams{}).attn_length == 32);  // Magenta's attention window
  rejects("attn_length=-1", "attn_length must be 0 (off) or positive");
  rejects("residual_connections=yes", "true or false");
  rejects("batch_size", "expected name=value");
  rejects("batch_size=1,,clip_norm=2", "expected name=value");
  rejects("batch_size=1,batch_size=2", "more than once");
  rejects("clip_norm=0", "clip_norm must be positive");
}
