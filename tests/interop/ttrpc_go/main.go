// The Go side of tests/interop/ttrpc_go.sh: containerd's own ttrpc (Debian's
// golang-github-containerd-ttrpc-dev) as the peer of ukata's.
//   ttrpc-go serve SOCKET    serve ukata.test.Echo (Echo, Fail, Sleep)
//   ttrpc-go connect SOCKET  call a ukata.test.Echo server; FAIL lines, exit 1
package main

import (
	"context"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/containerd/ttrpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const svc = "ukata.test.Echo"

func methods() map[string]ttrpc.Method {
	echo := func(kv *ttrpc.KeyValue) *ttrpc.KeyValue {
		return &ttrpc.KeyValue{Key: "echo:" + kv.Key, Value: kv.Value}
	}
	return map[string]ttrpc.Method{
		"Echo": func(ctx context.Context, un func(interface{}) error) (interface{}, error) {
			var kv ttrpc.KeyValue
			if err := un(&kv); err != nil {
				return nil, err
			}
			return echo(&kv), nil
		},
		"Fail": func(ctx context.Context, un func(interface{}) error) (interface{}, error) {
			var kv ttrpc.KeyValue
			if err := un(&kv); err != nil {
				return nil, err
			}
			return nil, status.Errorf(codes.NotFound, "no such thing: %s", kv.Key)
		},
		"Sleep": func(ctx context.Context, un func(interface{}) error) (interface{}, error) {
			var kv ttrpc.KeyValue
			if err := un(&kv); err != nil {
				return nil, err
			}
			ms, _ := strconv.Atoi(kv.Key)
			time.Sleep(time.Duration(ms) * time.Millisecond)
			return echo(&kv), nil
		},
	}
}

func serve(path string) {
	s, err := ttrpc.NewServer()
	if err != nil {
		panic(err)
	}
	s.Register(svc, methods())
	l, err := net.Listen("unix", path)
	if err != nil {
		panic(err)
	}
	s.Serve(context.Background(), l)
}

var failed int

func check(name string, ok bool, detail interface{}) {
	if !ok {
		failed++
		fmt.Printf("FAIL %s %v\n", name, detail)
	}
}

func connect(path string) {
	conn, err := net.Dial("unix", path)
	if err != nil {
		panic(err)
	}
	c := ttrpc.NewClient(conn)
	defer c.Close()
	ctx := context.Background()
	call := func(m, key, value string) (*ttrpc.KeyValue, error) {
		var r ttrpc.KeyValue
		err := c.Call(ctx, svc, m, &ttrpc.KeyValue{Key: key, Value: value}, &r)
		return &r, err
	}
	r, err := call("Echo", "hi", "there")
	check("echo", err == nil && r.Key == "echo:hi" && r.Value == "there", err)
	_, err = call("Fail", "x", "")
	st, _ := status.FromError(err)
	check("an error status", st.Code() == codes.NotFound && st.Message() == "no such thing: x", err)
	_, err = call("Nothing", "x", "")
	st, _ = status.FromError(err)
	check("an unknown method", st.Code() == codes.Unimplemented, err)
	big, big2 := strings.Repeat("k", 60000), strings.Repeat("v", 60000)
	r, err = call("Echo", big, big2)
	check("a 120 KB message", err == nil && r.Key == "echo:"+big && r.Value == big2, err)
	// over 4 MiB: refused on its stream, the connection goes on
	_, err = call("Echo", strings.Repeat("x", 5<<20), "")
	check("a message over 4 MiB", err != nil, err)
	r, err = call("Echo", "after", "")
	check("the call after", err == nil && r.Key == "echo:after", err)
	// concurrent calls on one connection: a slow one holds up no other
	done := make(chan string, 2)
	go func() { call("Sleep", "700", ""); done <- "sleep" }()
	time.Sleep(100 * time.Millisecond)
	go func() { call("Echo", "quick", ""); done <- "echo" }()
	first := <-done
	<-done
	check("a slow call holds up no other", first == "echo", first)
	// a timeout travels as timeout_nano: the server gives up too
	tctx, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	defer cancel()
	var tr ttrpc.KeyValue
	err = c.Call(tctx, svc, "Sleep", &ttrpc.KeyValue{Key: "1000"}, &tr)
	check("a timeout", err != nil, err)
	if failed > 0 {
		os.Exit(1)
	}
}

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: ttrpc-go serve|connect SOCKET")
		os.Exit(2)
	}
	if os.Args[1] == "serve" {
		serve(os.Args[2])
	} else {
		connect(os.Args[2])
	}
}
