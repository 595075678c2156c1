package generate

import (
	"math"
	"math/rand/v2"
	"strconv"
)

// Region names used by stores and customers.
var regions = []string{"华东", "华北", "华南", "西南"}

// regionWeights is the share of customers living in each region.
var regionWeights = []float64{0.40, 0.25, 0.22, 0.13}

// store is one row of the ERP store master.
type store struct {
	ID       string
	Name     string
	Region   int
	City     string
	AreaCode string
	Opened   int64 // local day number (days since 1970-01-01)
	// Landline is the store's own phone, typed at the till for customers
	// who do not want to give theirs (a junk identifier).
	Landline string
	// Associates are the store's shopping guides (导购).
	Associates []string
	junkIdx    int
}

// province is where a customer's parcels go: the short name, the full
// name as Tmall writes it, the pinyin name and code Shopify writes, and a
// city.
type province struct {
	short, full, pinyin, code, city string
}

// regionProvinces are the shipping provinces of the customers living in
// each region (indexes of regions). A customer's province is fixed by the
// person's index, so no random draw changes.
var regionProvinces = [][]province{
	{{"上海", "上海", "Shanghai", "SH", "上海"}, {"浙江", "浙江省", "Zhejiang", "ZJ", "杭州"}, {"江苏", "江苏省", "Jiangsu", "JS", "南京"},
		{"安徽", "安徽省", "Anhui", "AH", "合肥"}, {"山东", "山东省", "Shandong", "SD", "济南"}, {"福建", "福建省", "Fujian", "FJ", "福州"}},
	{{"北京", "北京", "Beijing", "BJ", "北京"}, {"天津", "天津", "Tianjin", "TJ", "天津"}, {"河北", "河北省", "Hebei", "HE", "石家庄"}, {"山西", "山西省", "Shanxi", "SX", "太原"}},
	{{"广东", "广东省", "Guangdong", "GD", "广州"}, {"广西", "广西壮族自治区", "Guangxi", "GX", "南宁"}, {"海南", "海南省", "Hainan", "HI", "海口"}},
	{{"四川", "四川省", "Sichuan", "SC", "成都"}, {"重庆", "重庆", "Chongqing", "CQ", "重庆"}, {"云南", "云南省", "Yunnan", "YN", "昆明"}, {"贵州", "贵州省", "Guizhou", "GZ", "贵阳"}},
}

// storeSeed lists the stores; opened "" means "opens inside the period".
var storeSeed = []struct {
	id, name, region, city, area, opened string
}{
	{"S001", "上海南京西路店", "华东", "上海", "021", "2016-05-18"},
	{"S002", "上海淮海中路店", "华东", "上海", "021", "2017-09-09"},
	{"S003", "上海徐家汇店", "华东", "上海", "021", "2018-04-28"},
	{"S004", "杭州湖滨银泰店", "华东", "杭州", "0571", "2018-10-01"},
	{"S005", "南京新街口店", "华东", "南京", "025", "2019-04-20"},
	{"S006", "苏州观前街店", "华东", "苏州", "0512", "2019-12-12"},
	{"S007", "宁波天一广场店", "华东", "宁波", "0574", "2021-06-18"},
	{"S008", "北京三里屯店", "华北", "北京", "010", "2016-11-11"},
	{"S009", "北京王府井店", "华北", "北京", "010", "2017-05-01"},
	{"S010", "北京西单大悦城店", "华北", "北京", "010", "2019-08-08"},
	{"S011", "天津滨江道店", "华北", "天津", "022", "2020-09-26"},
	{"S012", "石家庄万象城店", "华北", "石家庄", "0311", "2022-04-30"},
	{"S013", "广州天河城店", "华南", "广州", "020", "2017-03-18"},
	{"S014", "广州正佳广场店", "华南", "广州", "020", "2018-12-22"},
	{"S015", "深圳万象城店", "华南", "深圳", "0755", "2016-08-08"},
	{"S016", "深圳海岸城店", "华南", "深圳", "0755", "2020-01-10"},
	{"S017", "东莞国贸店", "华南", "东莞", "0769", "2023-05-20"},
	{"S018", "成都春熙路店", "西南", "成都", "028", "2017-07-07"},
	{"S019", "成都太古里店", "西南", "成都", "028", "2019-10-01"},
	{"S020", "重庆解放碑店", "西南", "重庆", "023", "2018-06-16"},
	{"S021", "昆明顺城店", "西南", "昆明", "0871", "2021-11-11"},
	{"S022", "贵阳亨特店", "西南", "贵阳", "0851", ""},
	{"S023", "上海前滩太古里店", "华东", "上海", "021", ""},
}

// product is one SKU. Products with InMaster false are sold but missing
// from the ERP master (so profit reports can flag missing cost).
type product struct {
	SKU      string
	Name     string
	Category int
	Brand    string
	Price    int64 // list price, cents
	Cost     int64 // unit cost, cents
	InMaster bool
}

var categories = []string{"护肤", "彩妆", "香水", "个护"}
var categoryCodes = []string{"SK", "MU", "FR", "PC"}
var categoryWeights = []float64{0.42, 0.30, 0.13, 0.15}

var brands = []struct{ name, code string }{
	{"花间集", "HJ"}, {"青岚", "QL"}, {"悦肌", "YJ"}, {"素朴", "SP"}, {"月光森林", "YG"},
}

var productTypes = [][]struct {
	name     string
	min, max int // list price range in yuan
}{
	{{"精华液 30ml", 299, 899}, {"面霜 50g", 259, 799}, {"爽肤水 200ml", 129, 359}, {"乳液 100ml", 159, 399},
		{"眼霜 15g", 229, 699}, {"面膜 5片装", 99, 259}, {"洁面乳 120g", 89, 199}, {"防晒霜 50ml", 139, 329}},
	{{"丝绒口红", 159, 359}, {"粉底液 30ml", 229, 499}, {"眼影盘", 199, 459}, {"睫毛膏", 129, 259},
		{"腮红", 139, 299}, {"定妆散粉", 169, 359}, {"气垫粉底", 219, 429}, {"眉笔", 89, 169}},
	{{"淡香水 50ml", 399, 899}, {"浓香水 50ml", 599, 1299}, {"淡香水 100ml", 599, 1199}, {"香氛喷雾 100ml", 199, 399}, {"固体香膏", 159, 299}},
	{{"洗发水 400ml", 69, 169}, {"沐浴露 400ml", 59, 149}, {"护手霜 50g", 39, 99}, {"身体乳 250ml", 89, 199}, {"护发精油 100ml", 99, 199}},
}

var series = []string{"玫瑰", "山茶花", "白茶", "积雪草", "烟酰胺", "玻尿酸", "雪松", "橙花", "小苍兰", "檀木", "樱花", "琥珀", "柚子", "鸢尾"}

// offMaster are SKUs that appear in orders but not in the ERP master.
var offMaster = []struct {
	sku, name string
	cat       int
	brand     string
	price     int64
}{
	{"HJ-GS-2401", "花间集 圣诞限定礼盒", 0, "花间集", 699},
	{"YG-FR-9001", "月光森林 联名限定香水 30ml", 2, "月光森林", 459},
	{"QL-MU-9002", "青岚 联名限定口红", 1, "青岚", 229},
	{"SP-GS-0099", "素朴 旅行小样套装", 0, "素朴", 59},
}

// catalog holds the generated reference data.
type catalog struct {
	products []product // in-master products, then off-master ones
	byCat    [][]int   // in-master product indexes per category, sorted by price
	off      []int     // indexes of off-master products
	stores   []store
	byRegion [][]int // store indexes per region
	camps    []campaign
}

func buildCatalog(r *rand.Rand, start, end int64) *catalog {
	c := &catalog{}
	c.byCat = make([][]int, len(categories))
	for _, b := range brands {
		for ci := range categories {
			types := productTypes[ci]
			n := 5 + r.IntN(3)
			for k := 0; k < n; k++ {
				t := types[r.IntN(len(types))]
				s := series[r.IntN(len(series))]
				yuan := t.min + r.IntN(t.max-t.min+1)
				yuan = yuan/10*10 + 9 // prices end in 9
				price := int64(yuan) * 100
				cost := int64(float64(price) * (0.18 + 0.2*r.Float64()))
				sku := b.code + "-" + categoryCodes[ci] + "-" + pad(uint64(k+1), 4)
				c.products = append(c.products, product{SKU: sku, Name: b.name + " " + s + t.name, Category: ci,
					Brand: b.name, Price: price, Cost: cost, InMaster: true})
			}
		}
	}
	for i, p := range c.products {
		c.byCat[p.Category] = append(c.byCat[p.Category], i)
	}
	for ci := range c.byCat {
		idx := c.byCat[ci]
		// insertion sort by price (small lists, stable and deterministic)
		for i := 1; i < len(idx); i++ {
			for j := i; j > 0 && c.products[idx[j]].Price < c.products[idx[j-1]].Price; j-- {
				idx[j], idx[j-1] = idx[j-1], idx[j]
			}
		}
	}
	for _, o := range offMaster {
		c.off = append(c.off, len(c.products))
		c.products = append(c.products, product{SKU: o.sku, Name: o.name, Category: o.cat, Brand: o.brand,
			Price: o.price * 100, InMaster: false})
	}

	c.byRegion = make([][]int, len(regions))
	span := end - start
	newStore := 0
	for i, s := range storeSeed {
		st := store{ID: s.id, Name: s.name, City: s.city, AreaCode: s.area}
		for ri, rn := range regions {
			if rn == s.region {
				st.Region = ri
			}
		}
		if s.opened == "" {
			// opens inside the generated period
			frac := []float64{0.37, 0.72}[newStore%2]
			newStore++
			st.Opened = (start + int64(float64(span)*frac)) / 86400
		} else {
			st.Opened = parseDay(s.opened)
		}
		digits := 8
		if len(s.area) == 4 && r.IntN(3) == 0 {
			digits = 7
		}
		first := uint64(2 + r.IntN(7)) // landlines start with 2..8
		rest := r.Uint64N(uint64(math.Pow10(digits - 1)))
		st.Landline = s.area + "-" + strconv.FormatUint(first, 10) + pad(rest, digits-1)
		na := 3 + r.IntN(4)
		for a := 1; a <= na; a++ {
			st.Associates = append(st.Associates, "SA"+s.id[1:]+pad(uint64(a), 2))
		}
		c.stores = append(c.stores, st)
		c.byRegion[st.Region] = append(c.byRegion[st.Region], i)
	}
	c.camps = buildCampaigns(r, start, end)
	return c
}

// Chinese names with pinyin (used for e-mail local parts).
var surnames = []struct{ hz, py string }{
	{"王", "wang"}, {"李", "li"}, {"张", "zhang"}, {"刘", "liu"}, {"陈", "chen"}, {"杨", "yang"}, {"黄", "huang"},
	{"赵", "zhao"}, {"吴", "wu"}, {"周", "zhou"}, {"徐", "xu"}, {"孙", "sun"}, {"马", "ma"}, {"朱", "zhu"},
	{"胡", "hu"}, {"郭", "guo"}, {"何", "he"}, {"高", "gao"}, {"林", "lin"}, {"罗", "luo"}, {"郑", "zheng"},
	{"梁", "liang"}, {"谢", "xie"}, {"宋", "song"}, {"唐", "tang"}, {"许", "xu"}, {"韩", "han"}, {"冯", "feng"},
	{"邓", "deng"}, {"曹", "cao"}, {"彭", "peng"}, {"曾", "zeng"}, {"肖", "xiao"}, {"田", "tian"}, {"董", "dong"},
	{"袁", "yuan"}, {"潘", "pan"}, {"蒋", "jiang"}, {"蔡", "cai"}, {"余", "yu"}, {"杜", "du"}, {"叶", "ye"},
	{"程", "cheng"}, {"苏", "su"}, {"魏", "wei"}, {"吕", "lv"}, {"丁", "ding"}, {"沈", "shen"}, {"姚", "yao"},
	{"卢", "lu"}, {"姜", "jiang"}, {"崔", "cui"}, {"钟", "zhong"}, {"陆", "lu"}, {"汪", "wang"}, {"范", "fan"},
	{"金", "jin"}, {"石", "shi"}, {"廖", "liao"}, {"夏", "xia"}, {"方", "fang"}, {"白", "bai"}, {"孟", "meng"},
}

var givenChars = []struct{ hz, py string }{
	{"伟", "wei"}, {"芳", "fang"}, {"娜", "na"}, {"敏", "min"}, {"静", "jing"}, {"丽", "li"}, {"强", "qiang"},
	{"磊", "lei"}, {"军", "jun"}, {"洋", "yang"}, {"勇", "yong"}, {"艳", "yan"}, {"杰", "jie"}, {"娟", "juan"},
	{"涛", "tao"}, {"明", "ming"}, {"超", "chao"}, {"秀", "xiu"}, {"霞", "xia"}, {"平", "ping"}, {"刚", "gang"},
	{"英", "ying"}, {"华", "hua"}, {"玉", "yu"}, {"萍", "ping"}, {"红", "hong"}, {"鹏", "peng"}, {"玲", "ling"},
	{"婷", "ting"}, {"雪", "xue"}, {"琳", "lin"}, {"晨", "chen"}, {"欣", "xin"}, {"怡", "yi"}, {"佳", "jia"},
	{"悦", "yue"}, {"宇", "yu"}, {"浩", "hao"}, {"然", "ran"}, {"子", "zi"}, {"梓", "zi"}, {"涵", "han"},
	{"萱", "xuan"}, {"思", "si"}, {"雨", "yu"}, {"嘉", "jia"}, {"琪", "qi"}, {"诗", "shi"}, {"颖", "ying"},
	{"晓", "xiao"}, {"文", "wen"}, {"博", "bo"}, {"凯", "kai"}, {"瑶", "yao"}, {"蕾", "lei"}, {"薇", "wei"},
	{"倩", "qian"}, {"慧", "hui"}, {"梅", "mei"}, {"一", "yi"}, {"安", "an"}, {"宁", "ning"}, {"云", "yun"},
}

var nickWords = []string{"爱吃鱼的猫", "小太阳", "追风少女", "柠檬不萌", "甜甜圈", "晚风", "星河滚烫", "奶茶续命",
	"一只小熊", "半夏", "南风知我意", "桃子汽水", "momo", "Lily", "Cathy", "小鹿乱撞", "不吃香菜", "阿狸", "橘子味",
	"芒果布丁", "清欢", "向日葵", "慢慢来", "Coco", "薄荷糖"}

var nickDecor = []string{"", "", "", "", "🌸", "✨", "🍑", "~", "🐱", "_"}

var emailDomains = []string{"163.com", "126.com", "gmail.com", "outlook.com", "sina.com", "foxmail.com", "hotmail.com", "yeah.net"}

// Social content categories.
var contentCategories = []string{"新品", "护肤教程", "彩妆教程", "香水", "促销活动", "品牌故事", "会员福利"}

// Service ticket categories.
var ticketCategories = []string{"物流查询", "退换货", "产品咨询", "投诉", "会员积分"}
var ticketWeights = []float64{0.30, 0.25, 0.20, 0.10, 0.15}

// campaign is one marketing campaign.
type campaign struct {
	ID        string
	Name      string
	Channel   string // sms, email, wechat, store_coupon
	IDType    string // identifier type the channel reaches
	Start     int64  // local day
	End       int64  // local day (inclusive)
	Spend     int64  // cents
	NoControl bool
	Rate      float64 // share of eligible people contacted
}

var campaignTemplates = []struct {
	month, day, days int
	name, channel    string
	rate             float64
}{
	{1, 8, 16, "年货节会员礼", "store_coupon", 0.25},
	{3, 1, 8, "三八女王节", "sms", 0.10},
	{5, 20, 30, "618年中大促", "sms", 0.12},
	{8, 1, 22, "七夕香水节", "wechat", 0.25},
	{10, 20, 22, "双11预售", "sms", 0.12},
	{12, 1, 12, "双12会员日", "email", 0.35},
}

func buildCampaigns(r *rand.Rand, start, end int64) []campaign {
	var out []campaign
	y0, _, _ := civil(start / 86400)
	y1, _, _ := civil((end - 1) / 86400)
	noControl := false
	for y := y0; y <= y1; y++ {
		for _, t := range campaignTemplates {
			s := daysFromCivil(y, t.month, t.day)
			e := s + int64(t.days) - 1
			if s*86400 < start || (e+1)*86400 > end {
				continue
			}
			c := campaign{ID: "CMP" + strconv.Itoa(y) + pad(uint64(t.month), 2), Name: strconv.Itoa(y) + t.name,
				Channel: t.channel, Start: s, End: e, Rate: t.rate,
				Spend: int64(50000+r.IntN(250000)) * 100}
			switch t.channel {
			case "sms":
				c.IDType = "phone"
			case "email":
				c.IDType = "email"
			case "wechat":
				c.IDType = "openid"
			default:
				c.IDType = "member_card"
			}
			if !noControl && t.name == "双11预售" {
				c.NoControl = true // the one campaign sent to everyone selected
				noControl = true
			}
			out = append(out, c)
		}
	}
	if !noControl && len(out) > 0 {
		out[len(out)-1].NoControl = true
	}
	return out
}
