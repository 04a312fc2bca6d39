// A hashicorp/yamux peer (the library Kata 1.x's agent and proxy use), from
// Debian's golang-github-hashicorp-yamux-dev, for wire-compatibility tests.
//
//	yamux-go serve SOCKET    echo every stream, as the Kata agent's yamux
//	                         server (keepalive off)
//	yamux-go connect SOCKET  open 16 streams x 1 MiB, check the echo, then
//	                         ping; prints "yamux-go: N passed, N failed"
package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/hashicorp/yamux"
)

func pattern() []byte {
	b := make([]byte, 1<<20)
	for i := range b {
		b[i] = byte(i * 7 % 253)
	}
	return b
}

func serve(path string) error {
	os.Remove(path)
	l, err := net.Listen("unix", path)
	if err != nil {
		return err
	}
	fmt.Println("ready")
	c, err := l.Accept()
	l.Close()
	os.Remove(path)
	if err != nil {
		return err
	}
	cfg := yamux.DefaultConfig()
	cfg.EnableKeepAlive = false
	cfg.LogOutput = io.Discard
	s, err := yamux.Server(c, cfg)
	if err != nil {
		return err
	}
	for {
		st, err := s.Accept()
		if err != nil {
			return nil // the peer hung up
		}
		go func() {
			io.Copy(st, st)
			st.Close()
		}()
	}
}

func connect(path string) int {
	c, err := net.Dial("unix", path)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	cfg := yamux.DefaultConfig()
	cfg.LogOutput = io.Discard
	s, err := yamux.Client(c, cfg)
	if err != nil {
		fmt.Println(err)
		return 2
	}
	want := pattern()
	var wg sync.WaitGroup
	var mu sync.Mutex
	ok := 0
	for i := 0; i < 16; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, err := s.OpenStream()
			if err != nil {
				return
			}
			// This hashicorp/yamux (Debian's, 2019) makes Read return
			// EOF once the stream is half-closed locally and its buffer
			// is empty for a moment: read the echo in full, then close.
			go st.Write(want)
			got := make([]byte, len(want))
			_, rerr := io.ReadFull(st, got)
			st.Close()
			if rerr != nil && os.Getenv("YAMUX_DEBUG") != "" {
				fmt.Println("stream", st.StreamID(), rerr)
			}
			if bytes.Equal(got, want) {
				mu.Lock()
				ok++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	passed, failed := 0, 0
	if ok == 16 {
		passed++
	} else {
		failed++
		fmt.Printf("FAIL 16 streams x 1 MiB echoed: %d right\n", ok)
	}
	if _, err := s.Ping(); err == nil {
		passed++
	} else {
		failed++
		fmt.Println("FAIL ping:", err)
	}
	s.Close()
	time.Sleep(50 * time.Millisecond)
	fmt.Printf("yamux-go: %d passed, %d failed\n", passed, failed)
	if failed > 0 {
		return 1
	}
	return 0
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: yamux-go serve|connect SOCKET")
		os.Exit(2)
	}
	if os.Args[1] == "serve" {
		if err := serve(os.Args[2]); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		return
	}
	os.Exit(connect(os.Args[2]))
}
