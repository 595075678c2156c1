package reports

import (
	"fmt"
	"strings"
)

// Msg is a sentence of the message catalogue (messages): the builders
// (jobs/publish) write their section notes, definitions and reasons as
// Msgs, and the renderers show them in the scorecard's language, so one
// scorecard built once can be delivered in Chinese and in English. Args
// fill the verbs of the catalogue text; an Arg that is a Msg is shown in
// the same language, anything else (a period, a region, a number) as it is.
//
// A Key that is not in messages but is a label (labels.go: a KPI key, a
// heading) shows that label.
type Msg struct {
	Key  string
	Args []any
}

// M is the message key with args.
func M(key string, args ...any) Msg { return Msg{Key: key, Args: args} }

// IsZero reports whether m is no message.
func (m Msg) IsZero() bool { return m.Key == "" }

// In is the message in lang ("zh" or "en"; anything else is Chinese).
func (m Msg) In(lang string) string {
	if m.Key == "" {
		return ""
	}
	if lang != LangEN {
		lang = LangZH
	}
	l, ok := messages[m.Key]
	if !ok {
		if l, ok := labels[m.Key]; ok && len(m.Args) == 0 {
			return l.pick(lang)
		}
		// A programming error TestMessagesKnown catches; shown, not hidden.
		return "[" + m.Key + "]"
	}
	args := make([]any, len(m.Args))
	for i, a := range m.Args {
		switch x := a.(type) {
		case Msg:
			args[i] = x.In(lang)
		case []Msg:
			parts := make([]string, len(x))
			for j, p := range x {
				parts[j] = p.In(lang)
			}
			args[i] = strings.Join(parts, listSep(lang))
		default:
			args[i] = a
		}
	}
	if len(args) == 0 {
		return l.pick(lang)
	}
	return fmt.Sprintf(l.pick(lang), args...)
}

// MsgKnown reports whether key is in the catalogue (or is a label).
func MsgKnown(key string) bool {
	_, ok := messages[key]
	_, lok := labels[key]
	return ok || lok
}

// Join shows msgs one after another as one paragraph.
func Join(lang string, msgs []Msg) string {
	parts := make([]string, 0, len(msgs))
	for _, m := range msgs {
		if s := m.In(lang); s != "" {
			parts = append(parts, s)
		}
	}
	sep := " "
	if lang != LangEN {
		sep = ""
	}
	return strings.Join(parts, sep)
}

func listSep(lang string) string {
	if lang == LangEN {
		return ", "
	}
	return "、"
}

// CatalogueEN is every English catalogue text (format verbs included), for
// tests that check a Chinese delivery holds none of them.
func CatalogueEN() map[string]string {
	out := make(map[string]string, len(messages))
	for k, l := range messages {
		out[k] = l.en
	}
	return out
}

// messages is the catalogue of the builders' sentences, in Chinese and
// English. Each text ends with its own punctuation; fmt verbs take the
// Msg's Args in order.
var messages = map[string]label{
	// same period last year
	"yoy.na":      {"—（%s）", "n/a (%s)"},
	"yoy.nodata":  {"%s 无数据", "no data for %s"},
	"yoy.partial": {"数据自 %[2]s 起，不含完整的 %[1]s", "history starts %[2]s, after the start of %[1]s"},
	"yoy.failed":  {"%s 的数据未能读取", "%s could not be read"},
	"yoy.zero":    {"%s 为 0", "%s was 0"},

	// section notes
	"note.period":   {"报告期 %s，对比 %s。", "Report period %s, compared with %s."},
	"note.netsales": {"净销售额 = 实付金额 − 退款。匿名小票计入销售额，不计入客户数。", "Net sales = paid minus refunds. Anonymous receipts count in sales but not in customers."},
	"note.lifecycle": {"%s 末（%s）各阶段人数；流转对比 %s 末（%s）：流失 = 当时在某一阶段、现在不在任何阶段。",
		"Stages at the end of %s (%s); flows compare with the end of %s (%s): lost = in a stage then, in none now."},
	"note.cohorts": {"截至 %[1]s（报告期）的同期群，%[2]s 为上一期；留存截至 %[3]s。%[1]s 同期群人数即「新客数」。",
		"Cohorts up to %[1]s (the report period), with %[2]s the one before; retention as of %[3]s. The %[1]s cohort size is the New customers figure."},
	"note.clv": {"%[1]s（%[2]s 末）的模型结果；「CLV 合计」对比 %[2]s 之前最近一次运行。预期价值按配置的期限计算，按月折现。",
		"Model run of %[1]s (end of %[2]s); the Total CLV tile compares with the last run before %[2]s. Expected value over the configured horizon, discounted monthly."},
	"note.campaigns": {"在任一期间开始的活动；目标组与对照组在触达后配置的观察窗内的转化率，提升附 95% 置信区间。",
		"Campaigns started in either period; target vs control conversion within the configured window after contact, uplift with a 95% interval."},
	"note.credit":   {"首次在门店招募的客户的线上购买，归属给该门店及导购。", "Online purchases of customers first recruited in a store, credited to that store and associate."},
	"note.segments": {"截至 %s（报告期 %s 末）的人群成员。", "Segment members as of %s (end of the report period %s)."},
	"note.health": {"截至本次运行的全部加载（不分期间）。每次加载都对账：读取行数 = 加载行数 + 隔离行数。各数据源的最新事件时间见数据新鲜度表。",
		"Loads up to the run (not per period). Every load reconciles: rows read = rows loaded + rows quarantined. Newest event time per source is in the freshness table."},
	"note.nodata":  {"%s 无数据。", "No data for %s."},
	"table.nodata": {"%s 无数据", "no data for %s"},
	"table.none":   {"无", "none"},

	// what a filtered copy leaves out, and why
	"leftout":        {"本副本未包含此部分（%s）：%s。", "Left out of this copy (%s): %s."},
	"filter.region":  {"大区 %s", "region %s"},
	"why.lifecycle":  {"生命周期按全公司统计，不分大区", "the lifecycle mart counts stages for the whole business, not per region"},
	"why.campaigns":  {"活动效果按全公司衡量，不分大区", "campaign effect is measured for the whole business, not per region"},
	"why.segments":   {"人群包取自所有大区的客户", "segments are drawn from every region's customers"},
	"why.tickets":    {"服务工单不带大区", "service tickets carry no region"},
	"why.datahealth": {"加载、隔离与身份打通不分大区", "loads, quarantine and identity stitching are not per region"},

	// definitions: one paragraph per figure, then the general terms
	"def.figure": {"%s粒度：%s。筛选：%s。单位：%s。", "%s Grain: %s. Filters: %s. Unit: %s."},
	"unit.money": {"金额（订单币种）", "money (order currency)"},
	"unit.count": {"个数", "count"},
	"unit.pct":   {"百分比", "percent"},
	"unit.ratio": {"比值", "ratio"},
	"unit.days":  {"天", "days"},

	"fig.net_sales.formula": {"本期每笔订单的 (实付金额 − 退款金额) 之和（orders.net_amount）：全部渠道，含匿名门店小票；取消或全额退款的订单计 0。等于利润数据月度行的 net_sales。",
		"sum(paid_amount - refund_amount) over every order of the period (orders.net_amount): all channels, anonymous store receipts included; a cancelled or fully refunded order adds 0. Equals net_sales of the profit mart's month row."},
	"fig.net_sales.grain":   {"订单，按业务时区的下单时间", "order, by order time in the business time zone"},
	"fig.net_sales.filters": {"大区：订单所属大区（小票取门店大区，电商订单取收货省份所属大区，否则取客户大区）", "region: the order's region (store region for receipts, shipping province's region for e-commerce orders, else the customer's)"},
	"fig.orders.formula": {"本期订单数，全部渠道和状态（含取消、退款订单及匿名小票）；客单价的分母。",
		"count of orders of the period, every channel and status (cancelled and refunded ones and anonymous receipts included); the divisor of average order value."},
	"fig.orders.grain":   {"订单，按下单时间", "order, by order time"},
	"fig.orders.filters": {"大区：订单所属大区", "region: the order's region"},
	"fig.aov.formula":    {"净销售额 / 订单数，两者均取本看板所示数值。", "Net sales / Orders, both as shown on this scorecard."},
	"fig.aov.grain":      {"期间", "period"},
	"fig.aov.filters":    {"大区：分子分母均限于该大区", "region: both parts restricted to the region"},
	"fig.active_customers.formula": {"本期有购买的打通后客户（去重）；购买指已识别客户的订单：有购买件数、净额不低于 models.clv.min_amount（默认 0，故 ¥0.00 的购买也计入）且未全额退款；退货从不算购买。与增长、同期群、CLV 和 RFM 数据同一规则。等于增长数据的购买人数。",
		"distinct stitched customers with a purchase in the period; a purchase is an order of a known customer with units bought, a net amount of at least models.clv.min_amount (default 0, so a $0.00 purchase counts) and not refunded in full: a return is never a purchase. The same rule as the growth, cohorts, CLV and RFM marts. Equals buyers of the growth mart."},
	"fig.active_customers.grain":   {"客户", "customer"},
	"fig.active_customers.filters": {"大区：在该大区有购买的客户", "region: customers with a purchase in the region"},
	"fig.new_customers.formula": {"首次购买发生在本期的购买客户。等于 cohort_retention 中本期同期群人数及增长数据的 new_customers。",
		"buying customers whose first purchase ever is in the period. Equals the period's cohort size in cohort_retention and new_customers of the growth mart."},
	"fig.new_customers.grain":   {"客户，按首次购买时间", "customer, by the time of the first purchase"},
	"fig.new_customers.filters": {"大区：本期在该大区有购买的新客", "region: new customers with a purchase in the region in the period"},
	"fig.returning_customers.formula": {"购买客户数 − 新客数：本期之前已购买过的购买客户。等于增长数据的回头客 + 召回客户。",
		"Buying customers - New customers: buyers who had purchased before the period. Equals returning + reactivated customers of the growth mart."},
	"fig.returning_customers.grain":   {"客户", "customer"},
	"fig.returning_customers.filters": {"大区：同购买客户数", "region: as Buying customers"},
	"fig.total_clv.formula": {"截至数据日（含）最近一次模型运行中 customer_clv 各客户 CLV 之和（BG/NBD × Gamma-Gamma，按配置期限，按月折现）；对比值为本期之前最近一次运行。",
		"sum of the customers' CLV in the customer_clv mart of the newest model run on or before the as-of day (BG/NBD x Gamma-Gamma over the configured horizon, discounted monthly); the comparison is the newest run before the period."},
	"fig.total_clv.grain":   {"客户，按模型运行", "customer, at the model run"},
	"fig.total_clv.filters": {"大区：客户所属大区（customers.region）；筛选副本无对比值", "region: the customer's region (customers.region); no comparison in a filtered copy"},
	"fig.gross_margin.formula": {"利润数据月度行的 profit：净销售额 − ERP 单位成本 × 件数，只计 SKU 有单位成本的订单行（无成本的行两部分都不计；全额退款的行计其净额、不计成本，货已退回；取消的行不计）。取本期最后一天的运行；对比值取对比期最后一天的运行，对比期为整月时取最近一次运行。",
		"profit of the profit mart's month row: net sales minus ERP unit cost x units, over the order lines whose SKU has a unit cost (lines without a cost are left out of both parts; a fully refunded line counts its net without cost, the goods came back; cancelled lines are left out). Read from the run of the period's last day; the comparison from the run of the comparison period's last day, or the latest run when it is a whole month."},
	"fig.gross_margin.grain":   {"月（期间须为整月或月初至今）", "month (the period must be a month or month to date)"},
	"fig.gross_margin.filters": {"无：利润数据不分大区；筛选副本不含此项", "none: the profit mart has no region; left out of filtered copies"},
	"fig.store_sales.formula":  {"渠道为 pos 的订单的净销售额。", "Net sales of the orders of channel pos."},
	"fig.store_sales.grain":    {"订单，按下单时间", "order, by order time"},
	"fig.store_sales.filters":  {"大区：门店所属大区", "region: the store's region"},
	"fig.online_sales.formula": {"pos 以外所有渠道订单的净销售额。", "Net sales of the orders of every channel but pos."},
	"fig.online_sales.grain":   {"订单，按下单时间", "order, by order time"},
	"fig.online_sales.filters": {"大区：订单所属大区", "region: the order's region"},
	"fig.refund_rate.formula":  {"本期订单的 sum(退款金额) / sum(实付金额)。导出文件注明原订单的退货计入原订单所在期间；原订单未载入的退货按其自身日期计入（实付为 0 的订单）。", "sum(refund_amount) / sum(paid_amount) over the orders of the period. A return tied to its original order (the export names it) counts in that order's period; one whose original is not loaded counts on its own date, as an order with paid 0."},
	"fig.refund_rate.grain":    {"订单，按下单时间", "order, by order time"},
	"fig.refund_rate.filters":  {"大区：订单所属大区", "region: the order's region"},
	"fig.tickets.formula":      {"本期新开服务工单数。", "count of service tickets opened in the period."},
	"fig.tickets.grain":        {"工单，按开单时间", "ticket, by opening time"},
	"fig.tickets.filters":      {"无：工单不带大区；筛选副本不含此项", "none: tickets carry no region; left out of filtered copies"},
	"fig.resolution_days.formula": {"本期新开且已关闭工单的 (关闭 − 开单) 天数中位数。",
		"median of (closed - opened) in days over the tickets opened in the period and closed."},
	"fig.resolution_days.grain":   {"工单，按开单时间", "ticket, by opening time"},
	"fig.resolution_days.filters": {"无；筛选副本不含此项", "none; left out of filtered copies"},
	"fig.csat.formula":            {"本期新开且有满意度评分的工单的平均 csat。", "mean csat of the tickets opened in the period that have one."},
	"fig.csat.grain":              {"工单，按开单时间", "ticket, by opening time"},
	"fig.csat.filters":            {"无；筛选副本不含此项", "none; left out of filtered copies"},
	"fig.complaints_per_1000_orders.formula": {"1000 × 本期新开的投诉（complaint）类工单数 / 本期订单数。",
		"1000 x tickets of category complaint (投诉) opened in the period / Orders of the period."},
	"fig.complaints_per_1000_orders.grain":   {"期间", "period"},
	"fig.complaints_per_1000_orders.filters": {"无；筛选副本不含此项", "none; left out of filtered copies"},
	"fig.quarantine_rate.formula": {"所有已加载文件（load_files）的 sum(隔离行数) / sum(读取行数)，全部历史；无对比值。",
		"sum(rows_quarantined) / sum(rows_read) over every loaded file (load_files), all time; no comparison."},
	"fig.quarantine_rate.grain":   {"已加载文件", "loaded file"},
	"fig.quarantine_rate.filters": {"无；筛选副本不含此项", "none; left out of filtered copies"},

	"term.period": {"期间", "Period"},
	"def.period": {"月初至数据日（含），对比上月同一天为止（数据日为月末时对比整月）；去年同期为去年同月的同一段（月末对月末）。每个部分都注明期间。",
		"Month to date through the as-of day, compared with the previous month through the same day (the whole month when the as-of is a month end), and with the same part of that month a year earlier (a month end with that month's end). Every section names both."},
	"term.customer": {"客户", "Customer"},
	"def.customer":  {"跨店铺买家 ID、门店会员卡、手机号、邮箱和微信/微博 ID 身份打通后的一个人。", "One person after identity stitching across shop buyer ids, store member cards, phones, emails and WeChat/Weibo ids."},
	"term.region":   {"大区", "Region"},
	"def.region": {"小票取门店大区；电商订单在导出带收货省份时取该省份所属大区（config regions），否则取客户大区；都不知道时为「未知」。",
		"Store region for receipts; for e-commerce orders the region of the shipping province when the export carries one (config regions), else the customer's region; unknown when neither is known."},
	"term.clv":       {"CLV", "CLV"},
	"def.clv":        {"BG/NBD 预期购买次数 × Gamma-Gamma 预期客单价，期限 %d 个月，按每月 %.1f%% 折现。", "BG/NBD expected purchases x Gamma-Gamma expected order value over %d months, discounted at %.1f%% a month."},
	"term.lifecycle": {"生命周期阶段", "Lifecycle stages"},
	"def.lifecycle": {"AIPL：认知（%d 天内被触达）、兴趣（%d 天内有互动或关注）、购买（%d 天内购买）、忠诚（在 2 天及以上购买，或购买并分享）。取最高阶段。",
		"AIPL: aware (reached in %d days), interested (interacted in %d days or follows), purchase (bought in %d days), loyal (bought on 2+ days or bought and shared). Highest stage wins."},
	"term.rfm": {"RFM 分层", "RFM tiers"},
	"def.rfm": {"五分位得分 1-5；R <= %d 为沉睡（唤醒），R+F+M >= %d 为高价值（深耕），其余为活跃（维护）。",
		"Quintile scores 1-5; dormant when R <= %d (reactivate), high value when R+F+M >= %d (deepen), otherwise active (maintain)."},
	"term.quarantine": {"隔离", "Quarantine"},
	"def.quarantine": {"未通过校验的行，连同文件、行、列和原因保存；每个文件都满足 读取行数 = 加载行数 + 隔离行数。",
		"Rows that failed validation, kept with file, row, column and reason; rows read = rows loaded + rows quarantined for every file."},
}
