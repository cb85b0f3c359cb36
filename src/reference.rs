//! The domain's reference figures (`spec/domain.md`) and the service levels
//! a campaign is held to, in one place: the screen, the alert rules and the
//! 复盘 all read them here.

use crate::config::Config;

/// Stage rates of the material: visit→view 68%, view→cart 35%, cart→order
/// 25%; order→pay has none.
pub const STAGE_RATES: [Option<f64>; 4] = [Some(0.68), Some(0.35), Some(0.25), None];
/// Overall visit→order of the material ("about 6%").
pub const VISIT_ORDER: f64 = 0.06;
/// Industry average conversion (pay ÷ visit).
pub const INDUSTRY_CONVERSION: f64 = 0.027;
/// ROI floor when the config sets no target (ideal promotion ROI ≥ 5:1).
pub const DEFAULT_ROI_TARGET: f64 = 5.0;

/// The customer-service floors as configured: the 提醒 threshold of each CS
/// rule, whose defaults are the domain's 95% 15 s response, 85% first-contact
/// resolution and 4.8 satisfaction. A room that sets its own floors sees
/// them on the panel and in the 复盘, not the domain's.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ServiceLevels {
    pub response_15s: f64,
    pub fcr: f64,
    pub satisfaction: f64,
}

impl ServiceLevels {
    pub fn of(cfg: &Config) -> ServiceLevels {
        let floor = |rule: &str| {
            cfg.rule_settings(rule)
                .map(|s| s.thresholds[0])
                .expect("a CS rule the engine has")
        };
        ServiceLevels {
            response_15s: floor("cs-response-sla"),
            fcr: floor("cs-fcr-sla"),
            satisfaction: floor("cs-satisfaction"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_minimal_config_holds_the_domain_floors_and_an_override_replaces_one() {
        let base = "[campaign]\nname = \"x\"\ntimezone = \"+08:00\"\n";
        let cfg = Config::parse(base, "a.toml", None).unwrap();
        assert_eq!(
            ServiceLevels::of(&cfg),
            ServiceLevels {
                response_15s: 0.95,
                fcr: 0.85,
                satisfaction: 4.8
            }
        );
        let text = format!("{base}[alerts.rules.cs-satisfaction]\nthresholds = [3.8, 3.5, 3.0]\n");
        let cfg = Config::parse(&text, "b.toml", None).unwrap();
        assert_eq!(ServiceLevels::of(&cfg).satisfaction, 3.8);
    }
}
