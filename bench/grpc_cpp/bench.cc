// gRPC C++ (Debian's libgrpc++) peer for bench/run.sh. Same modes and output
// as bench/ukata_bench.c:
//   bench-grpcpp serve SOCKET
//   bench-grpcpp latency SOCKET SIZE CALLS      -> "median_us p99_us"
//   bench-grpcpp throughput SOCKET SIZE THREADS SECONDS -> "calls_per_s"
//   bench-grpcpp idle SOCKET N                  (N connections, one call each, then wait on stdin)
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "bench.grpc.pb.h"

using Clock = std::chrono::steady_clock;

class Service final : public grpc::AgentService::Service {
	grpc::Status WriteStdin(grpc::ServerContext *, const grpc::WriteStreamRequest *req,
				grpc::WriteStreamResponse *resp) override
	{
		resp->set_len(req->data().size());
		return grpc::Status::OK;
	}
};

static std::shared_ptr<grpc::Channel> channel(const std::string &sock, int i = 0)
{
	grpc::ChannelArguments args;
	args.SetInt("grpc.use_local_subchannel_pool", 1); // separate connections when asked
	args.SetInt("ukata.bench.channel", i);
	return grpc::CreateCustomChannel("unix:" + sock, grpc::InsecureChannelCredentials(), args);
}

static bool call(grpc::AgentService::Stub &stub, const std::string &data)
{
	grpc::ClientContext ctx;
	ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
	grpc::WriteStreamRequest req;
	grpc::WriteStreamResponse resp;
	req.set_container_id("bench");
	req.set_data(data);
	return stub.WriteStdin(&ctx, req, &resp).ok() && resp.len() == data.size();
}

int main(int argc, char **argv)
{
	if (argc < 3)
		return 2;
	std::string mode = argv[1], sock = argv[2];
	if (mode == "serve") {
		Service svc;
		grpc::ServerBuilder b;
		b.AddListeningPort("unix:" + sock, grpc::InsecureServerCredentials());
		b.RegisterService(&svc);
		auto server = b.BuildAndStart();
		std::printf("ready\n");
		std::fflush(stdout);
		std::string line;
		while (std::getline(std::cin, line))
			;
		server->Shutdown();
		return 0;
	}
	if (mode == "idle") {
		int n = std::atoi(argv[3]);
		std::vector<std::shared_ptr<grpc::Channel>> chans;
		for (int i = 0; i < n; i++) {
			chans.push_back(channel(sock, i));
			auto stub = grpc::AgentService::NewStub(chans.back());
			if (!call(*stub, "x"))
				return 1;
		}
		std::printf("ready\n");
		std::fflush(stdout);
		std::string line;
		while (std::getline(std::cin, line))
			;
		return 0;
	}
	std::string data(std::atoi(argv[3]), 'x');
	if (mode == "latency") {
		auto stub = grpc::AgentService::NewStub(channel(sock));
		int calls = std::atoi(argv[4]);
		std::vector<double> us;
		for (int i = 0; i < calls + 100; i++) {
			auto t = Clock::now();
			if (!call(*stub, data))
				return 1;
			if (i >= 100) // warm-up
				us.push_back(std::chrono::duration<double, std::micro>(Clock::now() - t).count());
		}
		std::sort(us.begin(), us.end());
		std::printf("%.1f %.1f\n", us[us.size() / 2], us[us.size() * 99 / 100]);
		return 0;
	}
	if (mode == "throughput") {
		int threads = std::atoi(argv[4]);
		double secs = std::atof(argv[5]);
		auto chan = channel(sock); // one channel shared by every caller, as gRPC intends
		std::atomic<long> done{0};
		std::atomic<bool> stop{false}, bad{false};
		std::vector<std::thread> ts;
		for (int i = 0; i < threads; i++)
			ts.emplace_back([&] {
				auto stub = grpc::AgentService::NewStub(chan);
				while (!stop) {
					if (!call(*stub, data))
						bad = true;
					done++;
				}
			});
		std::this_thread::sleep_for(std::chrono::duration<double>(0.2));
		long start = done;
		std::this_thread::sleep_for(std::chrono::duration<double>(secs));
		long end = done;
		stop = true;
		for (auto &t : ts)
			t.join();
		std::printf("%.0f\n", (end - start) / secs);
		return bad ? 1 : 0;
	}
	return 2;
}
