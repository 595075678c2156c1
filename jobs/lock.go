package jobs

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"
)

// LockInfo names the holder of a warehouse lock.
type LockInfo struct {
	PID     int       `json:"pid"`
	Host    string    `json:"host"`
	Started time.Time `json:"started"`
	Command string    `json:"command"`
}

// LockedError is returned when another live process holds the lock.
type LockedError struct {
	Path   string
	Holder LockInfo
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("warehouse is in use by pid %d on %s since %s (%s); lock file %s",
		e.Holder.PID, e.Holder.Host, e.Holder.Started.Format(time.RFC3339), e.Holder.Command, e.Path)
}

// Lock is an exclusive, cross-process lock on a warehouse.
type Lock struct {
	path string
	// TookOver is set when a stale lock of a dead process was replaced.
	TookOver *LockInfo
}

// AcquireLock takes the lock file at path. A lock held by a live process is
// refused with a *LockedError naming the holder; a lock left by a process
// that no longer exists (same host) is taken over.
func AcquireLock(path, command string) (*Lock, error) {
	host, _ := os.Hostname()
	me := LockInfo{PID: os.Getpid(), Host: host, Started: time.Now().UTC(), Command: command}
	data, _ := json.Marshal(me)
	for attempt := 0; attempt < 3; attempt++ {
		f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
		if err == nil {
			_, werr := f.Write(data)
			cerr := f.Close()
			if werr != nil || cerr != nil {
				os.Remove(path)
				return nil, fmt.Errorf("write lock %s: %w", path, errors.Join(werr, cerr))
			}
			return &Lock{path: path}, nil
		}
		if !errors.Is(err, os.ErrExist) {
			return nil, fmt.Errorf("create lock %s: %w", path, err)
		}
		raw, rerr := os.ReadFile(path)
		var holder LockInfo
		if rerr != nil || json.Unmarshal(raw, &holder) != nil {
			// Unreadable lock: a crash mid-write. Treat as stale.
			holder = LockInfo{}
		}
		if holder.PID != 0 && (holder.Host != host || processAlive(holder.PID)) {
			return nil, &LockedError{Path: path, Holder: holder}
		}
		// Stale: take it over by renaming our own file over it atomically.
		tmp := fmt.Sprintf("%s.%d.tmp", path, os.Getpid())
		if err := os.WriteFile(tmp, data, 0o644); err != nil {
			return nil, fmt.Errorf("take over lock %s: %w", path, err)
		}
		// Re-check the file did not change under us.
		raw2, _ := os.ReadFile(path)
		if string(raw2) != string(raw) {
			os.Remove(tmp)
			continue
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Remove(tmp)
			return nil, fmt.Errorf("take over lock %s: %w", path, err)
		}
		h := holder
		return &Lock{path: path, TookOver: &h}, nil
	}
	return nil, fmt.Errorf("lock %s: contended", path)
}

// Release removes the lock file if it is still ours.
func (l *Lock) Release() error {
	if l == nil {
		return nil
	}
	raw, err := os.ReadFile(l.path)
	if err != nil {
		return nil
	}
	var h LockInfo
	if json.Unmarshal(raw, &h) == nil && h.PID == os.Getpid() {
		return os.Remove(l.path)
	}
	return nil
}

// readLock reads the holder recorded in a lock file.
func readLock(path string) (LockInfo, error) {
	var h LockInfo
	raw, err := os.ReadFile(path)
	if err != nil {
		return h, err
	}
	if err := json.Unmarshal(raw, &h); err != nil {
		return h, fmt.Errorf("lock file %s: %w", path, err)
	}
	return h, nil
}
