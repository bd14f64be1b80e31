package config

// Demo credentials: the values demo mode fills in where the operator left a
// key empty. The simulator and the embedded fake WeCom use the same
// constants, so they are public on purpose and protect nothing.
const (
	DemoCorpID              = "wwqunbotdemo0000"
	DemoToken               = "qunbotDemoToken"
	DemoEncodingAESKey      = "cXVuYm90LWRlbW8td2Vjb20tY2FsbGJhY2sta2V5MzI" // base64 of "qunbot-demo-wecom-callback-key32"
	DemoAgentID             = 1000002
	DemoSecret              = "qunbot-demo-secret"
	DemoBridgeSecret        = "qunbot-demo-bridge-secret"
	DemoAIBotToken          = "qunbotDemoAIBotToken"
	DemoAIBotEncodingAESKey = "cXVuYm90LWRlbW8td2Vjb20tYWlib3Qta2V5LTMyYnk" // base64 of "qunbot-demo-wecom-aibot-key-32by"
)

// applyDemo decides demo mode when the operator did not (on exactly when no
// corp is configured) and then fills the empty callback credentials with the
// demo ones. wecom.api_base is left alone: the bot points it at its embedded
// fake WeCom.
func (c *Config) applyDemo(explicit bool) {
	if !explicit {
		c.Demo = c.WeCom.CorpID == ""
	}
	if !c.Demo {
		return
	}
	fill(&c.WeCom.CorpID, DemoCorpID)
	fill(&c.WeCom.Token, DemoToken)
	fill(&c.WeCom.EncodingAESKey, DemoEncodingAESKey)
	fill(&c.WeCom.Secret, DemoSecret)
	fill(&c.Bridge.Secret, DemoBridgeSecret)
	fill(&c.AIBot.Token, DemoAIBotToken)
	fill(&c.AIBot.EncodingAESKey, DemoAIBotEncodingAESKey)
	if c.WeCom.AgentID == 0 {
		c.WeCom.AgentID = DemoAgentID
	}
}

// fill sets *dst to v when it is empty.
func fill(dst *string, v string) {
	if *dst == "" {
		*dst = v
	}
}
