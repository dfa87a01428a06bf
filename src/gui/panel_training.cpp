// Training: train while playing (drumrnn live --train-on DIR). The job's stage, step, loss and eval
// loss, steps/s, ETA and the swaps so far; Start (with a folder), Cancel and Swap now. The worker
// trains on its own low-priority thread; this only reads its status and sets flags.
#include <cmath>

#include "gui/panel_state.h"
#include "worker/live_trainer.h"

namespace drumrnn::gui {

void draw_training(PanelState& s) {
  LiveTrainer& trainer = *s.ctx.trainer;
  const LiveTrainerView v = trainer.view();
  ImGui::Begin("Training");
  s.record_window("training");
  ImGui::TextDisabled("%s -> %s", v.folder.empty() ? "(no --train-on folder)" : v.folder.c_str(), v.run_dir.c_str());
  ImGui::TextDisabled("device %s", v.device.c_str());
  if (v.job) {
    const JobStatus& j = *v.job;
    ImGui::Text("%s: %s", std::string(job_state_name(j.state)).c_str(), j.stage.empty() ? "-" : j.stage.c_str());
    if (j.stage == "train" || j.stage == "eval") {
      ImGui::Text("step %lld   %.1f steps/s", (long long)j.done, j.rate);
      if (j.total > 0) {
        ImGui::ProgressBar(float(j.done) / float(j.total), ImVec2(-1, 0));
        if (std::isfinite(j.eta_seconds)) ImGui::Text("ETA %.0f s", j.eta_seconds);
      }
    } else if (j.total > 0) {
      ImGui::ProgressBar(float(j.done) / float(j.total), ImVec2(-1, 0));
    }
    ImGui::Text("loss %.4f   eval loss %.4f", j.loss, j.eval_loss);
    if (!j.error.empty()) ImGui::TextColored(ImVec4(1, 0.4f, 0.4f, 1), "%s", j.error.c_str());
    else if (!j.last_message.empty()) ImGui::TextWrapped("%s", j.last_message.c_str());
  } else {
    ImGui::Text("idle");
  }
  if (v.swaps > 0) ImGui::Text("swaps %lld, last at step %lld (eval loss %.4f)", (long long)v.swaps,
                               (long long)v.last_swap_step, v.last_swap_eval_loss);
  else ImGui::Text("swaps 0");
  ImGui::BeginDisabled(v.running || v.folder.empty());
  if (ImGui::Button("Start")) trainer.start();
  ImGui::EndDisabled();
  ImGui::SameLine();
  ImGui::BeginDisabled(!v.running);
  if (ImGui::Button("Cancel##training")) trainer.cancel();
  ImGui::SameLine();
  if (ImGui::Button("Swap now")) trainer.swap_now();
  ImGui::EndDisabled();
  if (ImGui::IsItemHovered()) ImGui::SetTooltip("the next checkpoint whose eval loss improved goes in at the next bar line");
  ImGui::End();
}

}  // namespace drumrnn::gui
