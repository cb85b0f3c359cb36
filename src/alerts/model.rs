//! What an alert is: tier, panel, scope, and the transitions of the alert
//! log (`outputs.md`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// 提醒 (notice) < 警告 (warning) < 紧急 (emergency).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Tier {
    #[serde(rename = "提醒")]
    Notice = 0,
    #[serde(rename = "警告")]
    Warning = 1,
    #[serde(rename = "紧急")]
    Emergency = 2,
}

impl Tier {
    pub const ALL: [Tier; 3] = [Tier::Notice, Tier::Warning, Tier::Emergency];

    pub fn zh(self) -> &'static str {
        ["提醒", "警告", "紧急"][self as usize]
    }

    pub fn en(self) -> &'static str {
        ["notice", "warning", "emergency"][self as usize]
    }

    pub fn parse(s: &str) -> Option<Tier> {
        match s {
            "提醒" | "notice" => Some(Tier::Notice),
            "警告" | "warning" => Some(Tier::Warning),
            "紧急" | "emergency" => Some(Tier::Emergency),
            _ => None,
        }
    }

    /// What the room is expected to do at this tier (domain: each tier has
    /// its own response).
    pub fn response_zh(self) -> &'static str {
        match self {
            Tier::Notice => "值班分析师关注, 30 分钟内复核趋势",
            Tier::Warning => "相关负责人 10 分钟内确认并定位原因 (范围→拆解→验证)",
            Tier::Emergency => "立即处理: 指挥长拉群, 5 分钟内给出止损方案",
        }
    }

    pub fn response_en(self) -> &'static str {
        match self {
            Tier::Notice => "analyst on duty watches; review the trend within 30 min",
            Tier::Warning => {
                "owner acknowledges within 10 min and locates the cause (scope → decompose → test)"
            }
            Tier::Emergency => {
                "act now: the lead convenes the owners, a stop-loss plan within 5 min"
            }
        }
    }
}

impl fmt::Display for Tier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.zh())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Panel {
    Sales,
    Funnel,
    Budget,
    Cs,
    Stock,
    Feed,
    Metric,
}

impl Panel {
    pub fn key(self) -> &'static str {
        match self {
            Panel::Sales => "sales",
            Panel::Funnel => "funnel",
            Panel::Budget => "budget",
            Panel::Cs => "cs",
            Panel::Stock => "stock",
            Panel::Feed => "feed",
            Panel::Metric => "metric",
        }
    }
}

/// The narrowest dimension values an anomaly is confined to; empty means
/// site-wide. Keys: `channel`, `category`, `sku`, `item`, `kind`, `metric`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope(pub Vec<(&'static str, String)>);

impl Scope {
    pub fn site() -> Scope {
        Scope(Vec::new())
    }

    pub fn one(key: &'static str, value: &str) -> Scope {
        Scope(vec![(key, value.to_string())])
    }

    pub fn is_site(&self) -> bool {
        self.0.is_empty()
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
    }

    /// `渠道=直播` style label; "全站" when site-wide.
    pub fn label_zh(&self) -> String {
        if self.0.is_empty() {
            return "全站".to_string();
        }
        self.0
            .iter()
            .map(|(k, v)| {
                let k = match *k {
                    "channel" => "渠道",
                    "category" => "品类",
                    "sku" => "SKU",
                    "item" => "预算项",
                    "kind" => "数据源",
                    other => other,
                };
                format!("{k}={v}")
            })
            .collect::<Vec<_>>()
            .join(" ")
    }

    pub fn label_en(&self) -> String {
        if self.0.is_empty() {
            return "site-wide".to_string();
        }
        self.0
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transition {
    Open,
    Escalate,
    Deescalate,
    Resolve,
    Ack,
}

/// One line of the alert log.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AlertEvent {
    pub alert_id: String,
    pub transition: Transition,
    pub at: String,
    pub tier: Tier,
    pub panel: Panel,
    pub metric: String,
    pub scope: Scope,
    pub phase: Option<String>,
    pub value: Option<f64>,
    pub expected: Option<f64>,
    pub rule: String,
    pub message: String,
    /// Extension: event time in epoch ms, for tools that sort or seek.
    pub at_ms: i64,
}
