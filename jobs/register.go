package jobs

import (
	"context"
	"errors"
	"sync"

	"github.com/crmkit/crmkit/config"
)

// PublishJobFunc constructs the publish job. It lives in jobs/publish, which
// needs the reports package that jobs does not import.
type PublishJobFunc func(cfg *config.Config) *Job

// AlertSenderFunc sends the failure alert to the configured operators.
type AlertSenderFunc func(ctx context.Context, cfg *config.Config, subject string, lines []string) error

var (
	regMu       sync.Mutex
	publishJob  PublishJobFunc
	alertSender AlertSenderFunc
)

// RegisterPublish installs the publish job of the nightly chain. A second
// registration panics: two publishers would be a wiring mistake.
func RegisterPublish(f PublishJobFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if publishJob != nil {
		panic("jobs: publish job registered twice")
	}
	publishJob = f
}

// RegisterAlertSender installs the sender of failure alerts.
func RegisterAlertSender(f AlertSenderFunc) {
	regMu.Lock()
	defer regMu.Unlock()
	if alertSender != nil {
		panic("jobs: alert sender registered twice")
	}
	alertSender = f
}

func registeredPublish() PublishJobFunc {
	regMu.Lock()
	defer regMu.Unlock()
	return publishJob
}

func registeredAlertSender() AlertSenderFunc {
	regMu.Lock()
	defer regMu.Unlock()
	return alertSender
}

// CheckRegistered reports every plugin kind the binary has not registered:
// the publish job, the alert sender and at least one model job. cmd/crmkit
// calls it at start so that a missing registration stops the binary instead
// of running a chain that silently publishes nothing.
func CheckRegistered() error {
	regMu.Lock()
	pub, alert := publishJob != nil, alertSender != nil
	regMu.Unlock()
	modelMu.Lock()
	models := len(modelJobs)
	modelMu.Unlock()
	return checkRegistered(pub, alert, models)
}

func checkRegistered(publish, alert bool, models int) error {
	var errs []error
	if !publish {
		errs = append(errs, errors.New("no publish job registered (jobs.RegisterPublish)"))
	}
	if !alert {
		errs = append(errs, errors.New("no alert sender registered (jobs.RegisterAlertSender)"))
	}
	if models == 0 {
		errs = append(errs, errors.New("no model jobs registered (jobs.RegisterModel)"))
	}
	return errors.Join(errs...)
}
