package reports

import (
	"regexp"
	"slices"
	"strings"
)

// Languages of the labels (Scorecard.Language, delivery language).
const (
	LangZH = "zh"
	LangEN = "en"
)

// lang returns the scorecard's label language: "en" when asked for,
// otherwise Chinese (the brands are Chinese).
func (sc *Scorecard) lang() string {
	if strings.EqualFold(sc.Language, LangEN) {
		return LangEN
	}
	return LangZH
}

// label is one display text in both languages.
type label struct{ zh, en string }

// labels translates the machine names and English headings the publish
// step uses (column names of the marts, KPI keys, section and table
// headings, stage and channel words) into display text. A name not listed
// is shown as it is, except snake_case names, which become words
// ("store_name" → "Store name"). Keys are matched exactly; a heading
// "By channel, 2025-12" is matched on the part before the first ", ".
var labels = map[string]label{
	// scorecard titles and sections
	"Strategy scorecard":           {"战略看板", "Strategy scorecard"},
	"Operations scorecard":         {"运营看板", "Operations scorecard"},
	"Support scorecard":            {"服务与数据看板", "Support scorecard"},
	"Revenue and channel mix":      {"销售与渠道结构", "Revenue and channel mix"},
	"Lifecycle":                    {"客户生命周期", "Lifecycle"},
	"Cohort retention":             {"同期群留存", "Cohort retention"},
	"Customer lifetime value":      {"客户终身价值", "Customer lifetime value"},
	"Channels, regions and stores": {"渠道、大区与门店", "Channels, regions and stores"},
	"Campaigns":                    {"营销活动", "Campaigns"},
	"Cross-channel credit":         {"跨渠道业绩归属", "Cross-channel credit"},
	"Segments":                     {"人群包", "Segments"},
	"Social engagement":            {"社交互动", "Social engagement"},
	"Service quality":              {"服务质量", "Service quality"},
	"Data health":                  {"数据健康", "Data health"},
	// table and chart titles (the part before ", ")
	"AIPL stages":                    {"AIPL 阶段", "AIPL stages"},
	"Blocked junk identifiers":       {"已拦截的无效标识", "Blocked junk identifiers"},
	"By channel":                     {"按渠道", "By channel"},
	"By region":                      {"按大区", "By region"},
	"By store":                       {"按门店", "By store"},
	"CLV by decile (1 = top 10%)":    {"CLV 十分位（1 = 前 10%）", "CLV by decile (1 = top 10%)"},
	"Campaign effect":                {"活动效果", "Campaign effect"},
	"Channel mix":                    {"渠道结构", "Channel mix"},
	"Credit per store and associate": {"门店与导购业绩归属", "Credit per store and associate"},
	"Credited online sales":          {"归属的线上销售", "Credited online sales"},
	"Customers per lifecycle stage (pyramid view, all channels)": {"各生命周期阶段客户数（金字塔，全渠道）", "Customers per lifecycle stage (pyramid view, all channels)"},
	"Engagement": {"互动", "Engagement"},
	"Freshness and quality checks (last run)":            {"新鲜度与质量检查（最近一次运行）", "Freshness and quality checks (last run)"},
	"Identity merges and splits":                         {"身份合并与拆分", "Identity merges and splits"},
	"Identity stitching":                                 {"身份打通", "Identity stitching"},
	"Model fit (BG/NBD + Gamma-Gamma)":                   {"模型拟合（BG/NBD + Gamma-Gamma）", "Model fit (BG/NBD + Gamma-Gamma)"},
	"Net sales by month and channel":                     {"各月各渠道净销售额", "Net sales by month and channel"},
	"Net sales by region":                                {"各大区净销售额", "Net sales by region"},
	"Quarantine reasons":                                 {"隔离原因", "Quarantine reasons"},
	"Returns loaded per source":                          {"各数据源退货行", "Returns loaded per source"},
	"Rejected files":                                     {"被拒文件", "Rejected files"},
	"Retention by first-purchase month":                  {"按首购月的留存", "Retention by first-purchase month"},
	"Rows loaded and quarantined per source (all loads)": {"各数据源加载与隔离行数（全部加载）", "Rows loaded and quarantined per source (all loads)"},
	"Segment sizes":                                      {"人群规模", "Segment sizes"},
	"Service by category":                                {"按类别的服务", "Service by category"},
	"Stage flows (pyramid view)":                         {"阶段流转（金字塔）", "Stage flows (pyramid view)"},
	"Total CLV by decile":                                {"各十分位 CLV 合计", "Total CLV by decile"},
	"Lifecycle pyramid":                                  {"生命周期金字塔", "Lifecycle pyramid"},
	"Tickets by category":                                {"按类别的工单", "Tickets by category"},
	// KPI keys
	"net_sales":                  {"净销售额", "Net sales"},
	"net_revenue":                {"净销售额", "Net revenue"},
	"orders":                     {"订单数", "Orders"},
	"aov":                        {"客单价", "Average order value"},
	"active_customers":           {"购买客户数", "Buying customers"},
	"new_customers":              {"新客数", "New customers"},
	"returning_customers":        {"老客数", "Returning customers"},
	"repeat_customers":           {"复购客户数", "Repeat customers"},
	"total_clv":                  {"CLV 合计", "Total CLV"},
	"gross_margin":               {"毛利", "Gross margin"},
	"store_sales":                {"门店净销售额", "Store (POS) net sales"},
	"online_sales":               {"电商净销售额", "E-commerce net sales"},
	"refund_rate":                {"退款率", "Refund rate"},
	"tickets":                    {"工单数", "Tickets"},
	"resolution_days":            {"解决时长中位数（天）", "Median resolution time (days)"},
	"median_resolution_days":     {"解决时长中位数（天）", "Median resolution time (days)"},
	"csat":                       {"平均满意度（1-5）", "Average satisfaction (1-5)"},
	"avg_csat":                   {"平均满意度（1-5）", "Average satisfaction (1-5)"},
	"complaints_per_1000_orders": {"每千单投诉", "Complaints per 1,000 orders"},
	"quarantine_rate":            {"隔离率", "Quarantine rate"},
	// column names
	"channel": {"渠道", "Channel"}, "region": {"大区", "Region"}, "store": {"门店", "Store"},
	"store_id": {"门店编号", "Store id"}, "store_name": {"门店", "Store"}, "associate_id": {"导购编号", "Associate id"},
	"customers": {"客户数", "Customers"}, "month": {"月份", "Month"}, "period": {"期间", "Period"},
	"net": {"净销售额", "Net sales"}, "total": {"合计", "Total"}, "Total": {"合计", "Total"}, "Month": {"月份", "Month"},
	"revenue_share": {"销售占比", "Share of sales"}, "share": {"占比", "Share"}, "overall_share": {"整体占比", "Overall share"},
	"stage": {"阶段", "Stage"}, "from_stage": {"上月阶段", "Stage a month ago"}, "to_stage": {"当前阶段", "Stage now"},
	"rate": {"比率", "Rate"}, "units": {"件数", "Units"}, "receipts": {"小票数", "Receipts"},
	"anonymous_receipts": {"匿名小票", "Anonymous receipts"},
	"cohort_month":       {"首购月", "First-purchase month"}, "cohort_size": {"同期群人数", "Cohort size"},
	"retention_m1": {"第 1 月留存", "Retained month 1"}, "retention_m2": {"第 2 月留存", "Retained month 2"},
	"retention_m3": {"第 3 月留存", "Retained month 3"}, "retention_m6": {"第 6 月留存", "Retained month 6"},
	"retention_m12": {"第 12 月留存", "Retained month 12"},
	"decile":        {"十分位", "Decile"}, "avg_clv": {"平均 CLV", "Average CLV"}, "p_alive_ratio": {"平均存活概率", "Mean probability alive"},
	"p_alive": {"存活概率", "Probability alive"},
	"gg_p":    {"Gamma-Gamma p", "Gamma-Gamma p"}, "gg_q": {"Gamma-Gamma q", "Gamma-Gamma q"}, "gg_gamma": {"Gamma-Gamma γ", "Gamma-Gamma γ"},
	"r": {"BG/NBD r", "BG/NBD r"}, "alpha": {"BG/NBD α", "BG/NBD α"}, "a": {"BG/NBD a", "BG/NBD a"}, "b": {"BG/NBD b", "BG/NBD b"},
	"loglik": {"对数似然", "Log-likelihood"}, "holdout_predicted": {"留出期预测", "Holdout predicted"}, "holdout_actual": {"留出期实际", "Holdout actual"},
	"campaign_id": {"活动编号", "Campaign id"}, "campaign_name": {"活动", "Campaign"}, "start_date": {"开始日期", "Start"}, "end_date": {"结束日期", "End"},
	"window_days": {"观察窗（天）", "Window (days)"}, "window_complete": {"观察窗已满", "Window complete"},
	"target_customers": {"目标组人数", "Target customers"}, "control_customers": {"对照组人数", "Control customers"},
	"target_buyers": {"目标组购买人数", "Target buyers"}, "control_buyers": {"对照组购买人数", "Control buyers"},
	"target_rate": {"目标组转化率", "Target conversion"}, "control_rate": {"对照组转化率", "Control conversion"},
	"uplift": {"提升", "Uplift"}, "uplift_low": {"提升下限 (95%)", "Uplift low (95%)"}, "uplift_high": {"提升上限 (95%)", "Uplift high (95%)"},
	"target_revenue": {"目标组销售额", "Target revenue"}, "control_revenue": {"对照组销售额", "Control revenue"},
	"revenue_per_target": {"目标组人均销售额", "Revenue per target"}, "revenue_per_control": {"对照组人均销售额", "Revenue per control"},
	"revenue_uplift": {"人均销售额提升", "Revenue uplift per customer"}, "revenue_uplift_low": {"销售额提升下限 (95%)", "Revenue uplift low (95%)"},
	"revenue_uplift_high": {"销售额提升上限 (95%)", "Revenue uplift high (95%)"},
	"incremental_buyers":  {"增量购买人数", "Incremental buyers"}, "incremental_revenue": {"增量销售额", "Incremental revenue"},
	"cost_per_incremental_buyer": {"每增量购买人成本", "Cost per incremental buyer"}, "spend": {"花费", "Spend"},
	"in_both_groups": {"同时在两组", "In both groups"}, "unresolved_contacts": {"未匹配触达", "Unresolved contacts"},
	"recruited_customers": {"招募客户数", "Recruited customers"}, "online_orders": {"线上订单", "Online orders"},
	"online_revenue": {"线上销售额", "Online sales"}, "online_buyers": {"线上购买人数", "Online buyers"},
	"segment": {"人群", "Segment"}, "definition": {"定义", "Definition"}, "file": {"文件", "File"}, "as_of": {"截至", "As of"},
	"members":   {"人数", "Members"},
	"followers": {"粉丝", "Followers"}, "new_followers": {"新增粉丝", "New followers"}, "linked_followers": {"已关联粉丝", "Linked followers"},
	"linked_new_followers": {"已关联新粉丝", "Linked new followers"}, "converted_followers": {"转化粉丝", "Converted followers"},
	"conversion_rate": {"转化率", "Conversion rate"}, "conversion_days": {"转化窗（天）", "Conversion window (days)"},
	"views": {"浏览", "Views"}, "likes": {"点赞", "Likes"}, "comments": {"评论", "Comments"}, "shares": {"分享", "Shares"},
	"clicks": {"点击", "Clicks"}, "interactions": {"互动", "Interactions"}, "users": {"用户", "Users"},
	"affinity_index": {"亲和指数", "Affinity index"},
	"category":       {"类别", "Category"}, "open_tickets": {"未结工单", "Open tickets"},
	"source": {"数据源", "Source"}, "rows_read": {"读取行数", "Rows read"}, "rows_loaded": {"加载行数", "Rows loaded"},
	"rows_quarantined": {"隔离行数", "Rows quarantined"}, "files_loaded": {"已加载文件", "Files loaded"},
	"return_lines": {"退货行数", "Return lines"}, "returned_amount": {"退货金额", "Returned amount"},
	"tied_to_original": {"已关联原订单", "Tied to the original order"}, "original_not_loaded": {"原订单未载入", "Original order not loaded"},
	"duplicate_files": {"重复文件", "Duplicate files"}, "rejected_files": {"被拒文件", "Rejected files"},
	"newest_file": {"最新文件", "Newest file"}, "last_load": {"最近加载", "Last load"}, "reason": {"原因", "Reason"},
	"records": {"记录数", "Records"}, "field": {"字段", "Field"}, "check": {"检查", "Check"}, "ok": {"通过", "Passed"},
	"level": {"级别", "Level"}, "note": {"说明", "Note"}, "metric": {"指标", "Metric"}, "value": {"值", "Value"},
	"threshold": {"阈值", "Threshold"}, "dimension": {"维度", "Dimension"}, "key": {"键", "Key"}, "subkey": {"子键", "Subkey"},
	"id_type": {"标识类型", "Identifier type"}, "id_value": {"标识值", "Identifier value"},
	"strong_ids": {"强标识", "Strong identifiers"}, "weak_ids": {"弱标识", "Weak identifiers"},
	"distinct_triples": {"不同组合", "Distinct combinations"}, "rank": {"排名", "Rank"}, "net_revenue_share": {"销售占比", "Share of sales"},
	"Sales share": {"销售占比", "Sales share"}, "sales_share": {"销售占比", "Sales share"}, "net_sales_share": {"销售占比", "Sales share"},
	"period_label": {"期间", "Period"},
	"rows_current": {"当前行数", "Rows current"}, "rows_superseded": {"被替代行数", "Rows superseded"},
	"yes": {"是", "yes"}, "no": {"否", "no"},
	"associate": {"导购", "Associate"}, "all": {"全部", "All"}, "wechat": {"微信", "WeChat"}, "weibo": {"微博", "Weibo"},
	"email": {"邮件", "Email"}, "sms": {"短信", "SMS"}, "region_category": {"大区 × 类别", "Region × category"},
	"max_age_hours": {"最大数据延迟（小时）", "Max age (hours)"}, "min_rows": {"最少行数", "Min rows"}, "max_quarantine_ratio": {"最大隔离比例", "Max quarantine ratio"},
	"Retention by first-purchase month, last 13 cohorts (% of cohort active, months since first purchase)": {
		"按首购月的留存，最近 13 个同期群（同期群中仍活跃的比例，按首购后月数）", "Retention by first-purchase month, last 13 cohorts (% of cohort active, months since first purchase)"},
	"Rows loaded and quarantined per source (all loads; current = the rows core holds, superseded = replaced by a later export)": {
		"各数据源加载与隔离行数（全部加载；当前 = 核心表中现有的行，被替代 = 已被后来的导出替换的行）", "Rows loaded and quarantined per source (all loads; current = the rows core holds, superseded = replaced by a later export)"},
	// campaign notes (campaign_effect.note, fragments joined by "; ")
	"campaign not in the campaigns table":                           {"活动不在活动表中", "campaign not in the campaigns table"},
	"no identified target customers":                                {"目标组没有已识别的客户", "no identified target customers"},
	"no control group in campaign_contacts: uplift not estimated":   {"触达数据中没有对照组：未估计提升", "no control group in campaign_contacts: uplift not estimated"},
	"control contacts match no customer: uplift not estimated":      {"对照组触达未匹配到客户：未估计提升", "control contacts match no customer: uplift not estimated"},
	"no spend recorded: cost per incremental buyer not computed":    {"未记录花费：未计算每增量购买人成本", "no spend recorded: cost per incremental buyer not computed"},
	"no incremental buyers: cost per incremental buyer not defined": {"没有增量购买人：每增量购买人成本无定义", "no incremental buyers: cost per incremental buyer not defined"},
	"conversion window still open at the as-of date":                {"截至数据日观察窗尚未结束", "conversion window still open at the as-of date"}, "buyers": {"购买人数", "Buyers"}, "stores": {"门店数", "Stores"},
	// stage words (pyramid and AIPL views) and channels
	"aware":            {"认知", "Aware"},
	"interested":       {"兴趣", "Interested"},
	"purchased":        {"购买", "Purchased"},
	"first_purchase":   {"首购", "First purchase"},
	"repeat":           {"复购", "Repeat"},
	"loyal":            {"忠诚", "Loyal"},
	"advocate":         {"推荐", "Advocate"},
	"lost":             {"流失", "Lost"},
	"none":             {"无", "None"},
	"new":              {"新客", "New"},
	"anonymous_orders": {"匿名订单", "Anonymous orders"},
	"tmall":            {"天猫", "Tmall"},
	"jd":               {"京东", "JD"},
	"pos":              {"门店", "Stores (POS)"},
	"shopify":          {"Shopify", "Shopify"},
	"unknown":          {"未知", "Unknown"},
}

// stageOrder is the order of lifecycle stages on every scorecard: the AIPL
// view A→I→P→L and the pyramid view from awareness up to advocacy; lost
// last. Tables and charts whose labels are all stage words are shown in
// this order.
var stageOrder = []string{"aware", "interested", "purchased", "first_purchase", "repeat", "loyal", "advocate", "lost"}

// stageRank is a stage's position in stageOrder, or -1 when s is none.
func stageRank(s string) int { return slices.Index(stageOrder, strings.ToLower(strings.TrimSpace(s))) }

var snakeName = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)+$`)

// periodSuffix matches a column named after a month, e.g. net_sales_2025_11.
var periodSuffix = regexp.MustCompile(`^([a-z][a-z0-9_]*?)_(\d{4})_(\d{2})$`)

// periodWords translates the words between periods in a heading's tail
// ("2025-12 with 2025-11", "2025-01 to 2025-12").
var periodWords = strings.NewReplacer(" with ", " 对比 ", " vs ", " 对比 ", " to ", " 至 ", " and ", " 与 ",
	"campaigns of ", "活动期 ", "top ", "前 ", " of ", " / ")

// tr returns the display text of s in lang (see labels).
func tr(lang, s string) string {
	if l, ok := labels[s]; ok {
		return l.pick(lang)
	}
	if head, rest, ok := strings.Cut(s, ", "); ok {
		if l, ok := labels[head]; ok {
			if lang == LangZH {
				rest = periodWords.Replace(rest)
			}
			return l.pick(lang) + sepComma(lang) + rest
		}
	}
	if m := periodSuffix.FindStringSubmatch(s); m != nil {
		// net_sales_2025_11 → "净销售额 2025-11"
		return tr(lang, m[1]) + " " + m[2] + "-" + m[3]
	}
	if head, rest, ok := strings.Cut(s, " ("); ok {
		if l, ok := labels[head]; ok {
			return l.pick(lang) + " (" + rest
		}
	}
	if snakeName.MatchString(s) {
		w := strings.ReplaceAll(s, "_", " ")
		return strings.ToUpper(w[:1]) + w[1:]
	}
	return s
}

func (l label) pick(lang string) string {
	if lang == LangEN {
		return l.en
	}
	return l.zh
}

func sepComma(lang string) string {
	if lang == LangEN {
		return ", "
	}
	return "，"
}

// ui is the fixed text the renderers add, in both languages.
var ui = map[string]label{
	"period":        {"报告期", "Period"},
	"compared":      {"对比", "compared with"},
	"asof":          {"数据截至", "As of"},
	"generated":     {"生成于", "generated"},
	"prev":          {"上期", "Previous"},
	"mom":           {"环比", "vs prev."},
	"yoy":           {"同比", "YoY"},
	"lastyear":      {"去年同期", "Same period last year"},
	"t_keyfigures":  {"关键指标", "KEY FIGURES"},
	"t_filter":      {"筛选：", "Filter: "},
	"t_note":        {"注意：", "NOTE: "},
	"t_previous":    {"上期", "previous"},
	"t_change":      {"变化", "change"},
	"t_good":        {"向好", "good"},
	"t_bad":         {"变差", "bad"},
	"t_chart":       {"[图表：%s — 见 HTML 版本]", "[Chart: %s — see the HTML version]"},
	"t_freshness":   {"数据新鲜度", "DATA FRESHNESS"},
	"t_definitions": {"口径说明", "DEFINITIONS"},
	"noevent":       {"无事件时间", "no event time"},
	"age_days":      {"%s 天", "%s d"},
	"r_scorecard":   {"看板", "Scorecard"},
	"r_period":      {"报告期", "Period"},
	"r_prev":        {"对比期", "Previous period"},
	"r_yoy":         {"去年同期", "Same period last year"},
	"r_asof":        {"数据截至", "As of"},
	"r_generated":   {"生成于", "Generated at"},
	"r_filter":      {"筛选", "Filter"},
	"r_sheets":      {"工作表", "Sheets"},
	"r_sheetstext":  {"KPIs：关键指标及上期、去年同期；每个部分一个工作表；README：本表。", "KPIs: headline figures with the previous period and the same period last year; one sheet per section; README: this sheet."},
	"r_rowsloaded":  {"加载行数", "Rows loaded"},
	"r_quarpct":     {"隔离占比", "Quarantined %"},
	"r_term":        {"术语", "Term"},
	"r_meaning":     {"含义", "Meaning"},
	"strategy":      {"战略层", "strategy"},
	"operations":    {"运营层", "operations"},
	"support":       {"服务层", "support"},
	"x_kpi":         {"指标", "KPI"},
	"x_key":         {"键", "Key"},
	"x_unit":        {"单位", "Unit"},
	"x_this":        {"本期", "This period"},
	"x_prev":        {"上期", "Previous period"},
	"x_change":      {"环比变化", "Change"},
	"x_changepct":   {"环比 %", "Change %"},
	"x_yoy":         {"同比", "YoY"},
	"x_better":      {"方向", "Better when"},
	"better_up":     {"越高越好", "up"},
	"better_down":   {"越低越好", "down"},
	"u_money":       {"金额", "money"},
	"u_count":       {"个数", "count"},
	"u_pct":         {"百分比", "pct"},
	"u_ratio":       {"比值", "ratio"},
	"u_days":        {"天", "days"},
	"u_pp":          {"百分点", "pp"},
	"noprev":        {"无上期数据", "no previous value"},
	"none":          {"无", "none"},
	"freshness":     {"数据新鲜度", "Data freshness"},
	"definitions":   {"口径说明", "Definitions"},
	"summary":       {"摘要", "Summary"},
	"morerows":      {"此处显示前 %d 行，共 %d 行；全部数据见附件 XLSX 的「%s」工作表。", "Showing the first %d of %d rows; every row is on sheet \"%s\" of the attached XLSX."},
	"footer":        {"由 crmkit 生成", "generated by crmkit"},
	"amount":        {"金额", "Amount"},
	"count":         {"数量", "Count"},
	"share":         {"占比 (%)", "Share (%)"},
	"days":          {"天数", "Days"},
	"ratio":         {"比值", "Ratio"},
	"pp":            {"百分点", "Percentage points"},
	"value":         {"数值", "Value"},
	"from_to":       {"上月阶段 → 当前阶段", "Stage a month ago → stage now"},
	"largest":       {"变化最大", "Largest moves"},
	"chartdata":     {"图表数据：", "Chart data: "},
	"label":         {"类别", "Label"},
	"f_source":      {"数据源", "Source"},
	"f_newest":      {"最新事件时间", "Newest event"},
	"f_loaded":      {"加载时间", "Loaded"},
	"f_age":         {"距今", "Age"},
	"f_rows":        {"行数", "Rows"},
	"f_quarantined": {"隔离行数", "Quarantined"},
}

func uiText(lang, key string) string { return ui[key].pick(lang) }

// chineseLabelText is every Chinese display text the renderers draw, for
// the font coverage test.
func chineseLabelText() string {
	var b strings.Builder
	for _, l := range labels {
		b.WriteString(l.zh)
	}
	for _, l := range ui {
		b.WriteString(l.zh)
	}
	return b.String()
}
