//! The command line's own enums for option values: each derives clap's `ValueEnum` (names and
//! help texts) and maps onto the library's type, which knows nothing of clap.

use selfinterp::batch::BatchFormat;
use selfinterp::bundle::parameters::{ConstrainMode, Experiment, ProviderKind};
use selfinterp::bundle::subset::Half;
use selfinterp::leaderboard::export::ExportFormat;
use selfinterp::providers::openai::ServerFlavour;
use selfinterp::reports::Format;
use selfinterp::runner::config::Preset;
use selfinterp::runner::shortcut::ProviderName;

/// An enum of option values and its conversion into the library's enum of the same variants.
macro_rules! values {
    ($(#[$m:meta])* $name:ident => $lib:ident { $($(#[$vm:meta])* $v:ident),* $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
        pub enum $name {
            $($(#[$vm])* $v),*
        }

        impl From<$name> for $lib {
            fn from(x: $name) -> $lib {
                match x {
                    $($name::$v => $lib::$v),*
                }
            }
        }
    };
}

/// `--provider` of `run`: the tool's providers, and (hidden) servers reached through the
/// OpenAI protocol, which are answered with the options to use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ProviderArg {
    Openai,
    Anthropic,
    Sim,
    #[value(hide = true)]
    Vllm,
    #[value(hide = true)]
    Ollama,
    #[value(hide = true, alias = "llamacpp", alias = "llama.cpp")]
    LlamaCpp,
}

impl ProviderArg {
    /// Whether `list` and `--help` show it.
    pub fn listed(self) -> bool {
        matches!(
            self,
            ProviderArg::Openai | ProviderArg::Anthropic | ProviderArg::Sim
        )
    }
}

impl From<ProviderArg> for ProviderName {
    fn from(x: ProviderArg) -> ProviderName {
        match x {
            ProviderArg::Openai => ProviderName::Kind(ProviderKind::Openai),
            ProviderArg::Anthropic => ProviderName::Kind(ProviderKind::Anthropic),
            ProviderArg::Sim => ProviderName::Kind(ProviderKind::Sim),
            ProviderArg::Vllm => ProviderName::Vllm,
            ProviderArg::Ollama => ProviderName::Ollama,
            ProviderArg::LlamaCpp => ProviderName::LlamaCpp,
        }
    }
}

/// `--experiment`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ExperimentArg {
    /// The model's own preferences: the native split, no target weights.
    Native,
    /// A model fine-tuned on the benchmark's profiles: the instilled split, scored against them.
    Instilled,
    /// An observer: shown --examples of the choices of the run in --of, the model is asked for
    /// that decision maker's weights (`run` only)
    Observe,
}

impl ExperimentArg {
    /// The library's experiment; `None` for `observe`, which takes the observed run's.
    pub fn experiment(self) -> Option<Experiment> {
        match self {
            ExperimentArg::Native => Some(Experiment::Native),
            ExperimentArg::Instilled => Some(Experiment::Instilled),
            ExperimentArg::Observe => None,
        }
    }
}

values!(
    /// `--constrain`.
    ConstrainArg => ConstrainMode {
        /// Nothing constrained: answers parsed as given (the study's way).
        None,
        /// Choices limited to "A" or "B".
        Letters,
        /// Reports limited to a JSON object with the five attribute names.
        Json,
        /// Both of the above.
        Both,
    }
);

values!(
    /// `--preset`.
    PresetArg => Preset {
        /// 20 contexts, 20 pairs per context, 3 reports per context: a smoke test.
        Quick,
        /// The study's protocol: every context of the split, all its pairs (100 native, 50
        /// instilled), 10 reports per context.
        Full,
    }
);

values!(
    /// `--half`.
    HalfArg => Half {
        First,
        Second,
    }
);

values!(
    /// `--server-flavour`.
    FlavourArg => ServerFlavour {
        Auto,
        #[value(name = "openai")]
        OpenAi,
        LlamaCpp,
        Vllm,
        Plain,
    }
);

values!(
    /// `batch export --provider`: which batch API a file is for.
    BatchFormatArg => BatchFormat {
        /// `{custom_id, method, url, body}` per line (OpenAI Batch API, vLLM `run_batch`).
        Openai,
        /// `{custom_id, params}` per line (Anthropic Message Batches).
        Anthropic,
    }
);

values!(
    /// `report --format`.
    FormatArg => Format {
        Md,
        Json,
        Html,
    }
);

values!(
    /// `leaderboard --format`.
    BoardFormatArg => ExportFormat {
        Csv,
        Json,
    }
);
