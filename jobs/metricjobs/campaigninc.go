package metricjobs

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/apache/arrow-go/v18/arrow"

	"github.com/crmkit/crmkit/jobs"
	"github.com/crmkit/crmkit/models/metrics"
	"github.com/crmkit/crmkit/pipeline/warehouse"
)

// campaign_effect from its base partition. A campaign's row depends on
// the campaign, its own contacts (campaigns are independent in the
// model), the orders of its contacted customers inside their windows and,
// through the contacts after the as-of day that are left out and the
// windows still open, on the as-of date. So a campaign's row at the base
// as-of date (the watermark's) is copied to the new one
// (sql/campaign_copyable.sql) when its window was complete, its contacts
// are the ones the base counted (a per-campaign print kept in
// campaign_contact_prints beside the watermark), every contact is dated
// before the end of the base day, and no order it could count changed
// since the watermark (jobs.IncrementalSince: no contacted customer in the
// change log, or no logged order time inside the campaign's contact span
// widened by its window). Every other campaign is recomputed from its own
// campaigns, contacts and orders rows. The campaigns table is small and
// not in the change log: its fingerprint (campaigns_hash.sql) goes into
// the settings hash with the window, the cancelled statuses and the zone,
// so any change to it recomputes every campaign.
//
// Every campaign is recomputed (the reason in the message) when
// jobs.IncrementalSince says so: no watermark, core rebuilt, settings
// changed, the mart or the prints missing, the watermark without an as-of
// date or the as-of date moved backwards. run --full, warehouses without
// cheap keyed updates (BigQuery) and runs without a campaigns or contacts
// table take the reference path and leave the watermark and the prints as
// they are.

// campaignVersion changes when what a copied row means changes.
const campaignVersion = "campaign-base 3"

// campaignPrints keeps the per-campaign contact prints of the base partition.
const campaignPrints = "campaign_contact_prints"

func init() {
	reads[JobCampaign] = append(reads[JobCampaign], append([]string{JobCampaign, campaignPrints, jobs.WatermarksTable}, jobs.ChangeLogTables...)...)
	extraWrites[JobCampaign] = []string{campaignPrints, jobs.WatermarksTable}
}

// campaignArgs are the parameters of the campaign_*.sql files.
type campaignArgs struct {
	narrowInputs
	Base, BaseEnd, AsOf string
	From, To            int64
	Copied              string // ids of the campaigns copied, a SQL list; empty: none
	Prints              string // campaign_prints.sql rendered
}

// campaignSQL renders a campaign file for the running job (render).
func (r *run) campaignSQL(name string, a campaignArgs) (string, error) {
	a.Status, a.End = r.cancelledStatus(), r.end
	a.AsOf = warehouse.SQLOf(r.wh.Dialect()).String(r.asOf.Format(time.DateOnly))
	return r.render(name, a)
}

// campaignFromBase runs campaign_effect from its base partition; handled
// is false when the run takes the reference path instead.
func (r *run) campaignFromBase() (res jobs.Result, handled bool, err error) {
	if r.env.Full || !warehouse.CapabilitiesOf(r.wh.Dialect()).IncrementalUpdates {
		return jobs.Result{}, false, nil
	}
	for _, t := range []string{"campaigns", "campaign_contacts"} {
		ok, err := warehouse.TableExists(r.ctx, r.wh, t)
		if err != nil {
			return jobs.Result{}, true, fmt.Errorf("look up %s: %w", t, err)
		}
		if !ok {
			return jobs.Result{}, false, nil
		}
	}
	days := r.env.Cfg.Models.Campaign.WindowDays
	if days <= 0 {
		days = metrics.DefaultCampaignWindowDays
	}
	a := campaignArgs{narrowInputs: narrowInputs{Days: days + 1}}
	hashIn := fmt.Sprintf("%s\x00%d\x00%q\x00%s", campaignVersion, days, r.cancelledStatus(), r.common.Location.String())
	for _, f := range []string{"campaigns_hash"} {
		q, err := r.campaignSQL(f, a)
		if err != nil {
			return jobs.Result{}, true, err
		}
		var fp *string
		if err := r.wh.QueryRow(r.ctx, q, nil, &fp); err != nil {
			return jobs.Result{}, true, fmt.Errorf("fingerprint for %s (sql/%s.sql): %w", JobCampaign, f, err)
		}
		if fp != nil {
			hashIn += "\x00" + *fp
		}
	}
	h := sha256.Sum256([]byte(hashIn))
	hash := hex.EncodeToString(h[:])
	ch, err := jobs.IncrementalSince(r.ctx, r.wh, JobCampaign, hash, r.common.Location, r.asOf,
		jobs.Base{Tables: []string{JobCampaign, campaignPrints}, AsOfNeeded: true, Forward: true})
	if err != nil {
		return jobs.Result{}, true, err
	}
	reason := ch.Reason
	var copied []string
	d := warehouse.SQLOf(r.wh.Dialect())
	if a.Prints, err = r.campaignSQL("campaign_prints", a); err != nil {
		return jobs.Result{}, true, err
	}
	if reason == "" {
		y, m, dd := ch.AsOf.Date() // the civil date recorded (read as UTC midnight)
		a.Base = d.String(ch.AsOf.Format(time.DateOnly))
		a.BaseEnd = tsLiteral(r.wh, time.Date(y, m, dd+1, 0, 0, 0, 0, r.common.Location))
		a.From, a.To = ch.From, ch.To
		q, err := r.campaignSQL("campaign_copyable", a)
		if err != nil {
			return jobs.Result{}, true, err
		}
		ids, err := r.wh.Query(r.ctx, q)
		if err != nil {
			return jobs.Result{}, true, fmt.Errorf("read the campaigns %s keeps: %w", JobCampaign, err)
		}
		for _, rec := range ids {
			for i := 0; i < int(rec.NumRows()); i++ {
				copied = append(copied, warehouse.StringAt(rec, 0, i))
			}
		}
		warehouse.Release(ids)
		lits := make([]string, len(copied))
		for i, id := range copied {
			lits[i] = d.String(id)
		}
		a.Copied = strings.Join(lits, ", ")
	}
	read := func(what, file string) ([]arrow.RecordBatch, error) {
		q, err := r.campaignSQL(file, a)
		if err != nil {
			return nil, err
		}
		return r.query(what, q)
	}
	campaigns, err := read("campaigns", "campaign_rest_campaigns")
	if err != nil {
		return jobs.Result{}, true, err
	}
	contacts, err := read("campaign_contacts", "campaign_rest_contacts")
	if err != nil {
		return jobs.Result{}, true, err
	}
	stores := make([]string, len(metrics.DefaultStoreChannels))
	for i, s := range metrics.DefaultStoreChannels {
		stores[i] = d.String(s)
	}
	a.Stores = strings.Join(stores, ", ")
	orders, err := read("orders", "campaign_rest_orders")
	if err != nil {
		return jobs.Result{}, true, err
	}
	recs, st, err := metrics.CampaignEffect(campaigns, contacts, orders, metrics.CampaignOptions{Common: r.common, WindowDays: days})
	if err != nil {
		return jobs.Result{}, true, err
	}
	defer warehouse.Release(recs)
	out := recs
	if len(copied) > 0 {
		kept, err := read(JobCampaign, "campaign_copied")
		if err != nil {
			return jobs.Result{}, true, err
		}
		out = append(append([]arrow.RecordBatch{}, recs...), kept...)
	}
	err = r.wh.InTx(r.ctx, func(tx warehouse.Tx) error {
		if err := jobs.WriteMartTx(r.ctx, tx, JobCampaign, r.asOf, metrics.CampaignSchema, out); err != nil {
			return err
		}
		q, err := r.campaignSQL("campaign_prints_write", a)
		if err != nil {
			return err
		}
		if err := tx.Exec(r.ctx, q); err != nil {
			return fmt.Errorf("keep the contact prints of %s: %w", JobCampaign, err)
		}
		return jobs.SetWatermark(r.ctx, tx, JobCampaign, ch.To, hash, r.asOf)
	})
	if err != nil {
		return jobs.Result{}, true, err
	}
	how := fmt.Sprintf("every campaign computed (%s)", reason)
	if reason == "" {
		how = fmt.Sprintf("incremental: %d campaigns copied from %s (window complete, contacts unchanged and before it, none of their orders in it changed), %d recomputed",
			len(copied), ch.AsOf.Format(time.DateOnly), st.Campaigns)
	}
	return r.result(warehouse.NumRows(out), fmt.Sprintf("%s; window %d days; of those recomputed: %d without a control group; %d contacts: %d without a customer, %d after the as-of date, %d with a bad group, %d undated; %s",
		how, days, st.WithoutControl, st.Contacts, st.UnresolvedContacts, st.LaterContacts, st.BadGroupContacts, st.UndatedContacts,
		orderNotes(st.OrderStats))), true, nil
}
